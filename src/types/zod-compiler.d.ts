// zod's schema compiler on its own (node_modules/zod/v4/core/compile.js, aliased in esbuild.mjs), so
// that it can be loaded on demand: see src/core/adapters/streamJson.ts.
declare module 'zod-compiler' {
  export { compile } from 'zod/v4/core';
}
