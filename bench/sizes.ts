// What a user downloads and what activation loads: the activation bundle is dist/extension.mjs
// plus every chunk it imports statically (transitively); chunks imported only with import() load
// when first used (the panel's host side, …), and dist/vendor/ files likewise.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const DIST = join(__dirname, '..', '..', 'dist');
/** Issue 18's target for what activation loads (also asserted on the packaged build: test/ui/workbench.test.ts). */
export const ACTIVATION_TARGET_BYTES = 250 * 1024;
/** Static imports of sibling chunks as esbuild writes them (minified or not). */
const STATIC_IMPORT = /(?:^|[;\n}])\s*import\s*(?:[^'"();]*?\bfrom\s*)?["'](\.\/[^"']+\.mjs)["']/g;

/** The chunks activation loads from a built `dist/`, and their size in bytes. */
export function activationChunks(dist: string): { files: string[]; bytes: number } {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const match of readFileSync(join(dist, file), 'utf8').matchAll(STATIC_IMPORT)) visit(match[1]!.slice(2));
  };
  visit('extension.mjs');
  const files = [...seen];
  return { files, bytes: files.reduce((sum, file) => sum + statSync(join(dist, file)).size, 0) };
}

export function benchSizes(write: (line: string) => void): void {
  const { files: activation, bytes: loaded } = activationChunks(DIST);
  const bytes = (file: string) => statSync(join(DIST, file)).size;
  const lazy = readdirSync(DIST).filter((file) => file.endsWith('.mjs') && !activation.includes(file));
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  write(`\nSizes (production build)\n`);
  write(
    `activation bundle   ${kb(loaded)} (${activation.join(' + ')}); target ≤ ${kb(ACTIVATION_TARGET_BYTES)}: ${loaded <= ACTIVATION_TARGET_BYTES ? 'met' : 'MISSED'}\n`,
  );
  write(`loaded on first use ${lazy.map((file) => `${file} ${kb(bytes(file))}`).join(', ') || 'nothing'}\n`);
}
