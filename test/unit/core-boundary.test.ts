import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const repoRoot = resolve(__dirname, '..', '..', '..');

describe('src/core boundary', () => {
  it('bundles on its own: no vscode and nothing from the VS Code layer, however indirect', async () => {
    // With nothing external, an import of `vscode` anywhere in the graph fails to resolve.
    const result = await build({
      entryPoints: [join(repoRoot, 'src', 'core', 'index.ts')],
      absWorkingDir: repoRoot,
      bundle: true,
      write: false,
      platform: 'node',
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    assert.ok(inputs.length > 0);
    const outside = inputs.filter((input) => !input.startsWith('src/core/') && !input.startsWith('node_modules/'));
    assert.deepEqual(outside, []);
  });
});
