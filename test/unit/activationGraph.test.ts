import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';

const repoRoot = resolve(__dirname, '..', '..', '..');

/** The source modules of the chunks activation loads: the entry's output and every chunk it imports statically. */
async function activationInputs(): Promise<string[]> {
  const result = await build({
    entryPoints: { extension: join(repoRoot, 'src', 'extension.ts') },
    absWorkingDir: repoRoot,
    outdir: join(repoRoot, 'out', 'activation-graph'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    // Packages are the build's business (esbuild.mjs); the question here is which of our modules load.
    packages: 'external',
    external: ['vscode'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const outputs: Metafile['outputs'] = result.metafile.outputs;
  const entry = Object.keys(outputs).find((file) => outputs[file]!.entryPoint === 'src/extension.ts');
  assert.ok(entry, 'the entry has an output');
  const loaded = new Set<string>();
  const visit = (file: string) => {
    if (loaded.has(file)) return;
    loaded.add(file);
    for (const imported of outputs[file]!.imports)
      if (imported.kind === 'import-statement' && outputs[imported.path]) visit(imported.path);
  };
  visit(entry);
  return [...loaded].flatMap((file) => Object.keys(outputs[file]!.inputs));
}

describe('what activation loads', () => {
  it('leaves out the adapters, the connection test, the chat, the commands and the panel: they load on first use', async function () {
    this.timeout(60_000);
    const inputs = await activationInputs();
    assert.ok(inputs.includes('src/core/registry/registry.ts'), 'the registry loads at activation');
    const firstUse = [
      'src/core/provider.ts',
      'src/core/connectionTest.ts',
      'src/core/adapters/openaiChat.ts',
      'src/core/adapters/openaiResponses.ts',
      'src/core/adapters/openaiChatStream.ts',
      'src/core/adapters/openaiResponsesStream.ts',
      'src/core/adapters/openaiResponsesMessages.ts',
      'src/core/adapters/anthropic.ts',
      'src/core/adapters/anthropicMessages.ts',
      'src/core/adapters/anthropicStream.ts',
      'src/core/adapters/gemini.ts',
      'src/core/adapters/ollama.ts',
      'src/core/adapters/ollamaStream.ts',
      'src/core/adapters/ollamaMessages.ts',
      'src/core/baseUrlSuggestions.ts',
      'src/core/adapters/rehearsal.ts',
      'src/core/adapters/streamJson.ts',
      'src/panel/index.ts',
      'src/chat/handler.ts',
      'src/chat/answer.ts',
      'src/registry/providerCommands.ts',
      'src/registry/connectionTest.ts',
      'src/registry/recommend.ts',
      'src/cost/commands.ts',
      'src/cost/gatewayCommands.ts',
      'src/routing/fallbackCommands.ts',
    ];
    assert.deepEqual(
      firstUse.filter((input) => inputs.includes(input)),
      [],
    );
  });
});

describe('zod', () => {
  it('every schema comes from src/core/zod.ts (zod/mini, English messages): nothing imports zod itself', () => {
    const sources = readdirSync(join(repoRoot, 'src'), { recursive: true })
      .map(String)
      .filter((file) => file.endsWith('.ts') && file !== join('core', 'zod.ts'));
    const direct = sources.filter((file) =>
      /^import (?!type\b)[^;]*from '(zod|zod\/[^']*)';$/m.test(readFileSync(join(repoRoot, 'src', file), 'utf8')),
    );
    assert.ok(sources.length > 100);
    assert.deepEqual(direct, []);
  });
});
