// The lint zones hold: an import across a zone fails lint, at any depth of a folder.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ESLint } from 'eslint';

const repoRoot = resolve(__dirname, '..', '..', '..');

describe('lint zones', function () {
  this.timeout(60_000);
  const crossings: Array<[file: string, importPath: string]> = [
    ['src/chat/answer.ts', '../cost/costService'],
    ['src/panel/handlers/budgets.ts', '../../cost/statusBar'],
    ['src/registry/modelPicker.ts', '../routing'],
    ['src/platform/log.ts', '../services'],
    ['src/shared/protocol.ts', '../platform/log'],
    ['webview/main.ts', '../src/panel/host'],
  ];

  it('refuses an import from one feature into another, from platform up, from shared into the VS Code layer, from the webview into the host', async () => {
    const eslint = new ESLint({ cwd: repoRoot });
    for (const [file, importPath] of crossings) {
      const text = `import '${importPath}';\n${readFileSync(join(repoRoot, file), 'utf8')}`;
      const [result] = await eslint.lintText(text, { filePath: join(repoRoot, file) });
      const rules = result!.messages.map((message) => message.ruleId);
      assert.ok(
        rules.includes('no-restricted-imports'),
        `${file} importing ${importPath}: ${JSON.stringify(result!.messages.map((message) => message.message))}`,
      );
    }
  });

  it('allows what the zones allow: services, shared and the core', async () => {
    const eslint = new ESLint({ cwd: repoRoot });
    const [result] = await eslint.lintText(
      `import '../services';\nimport '../shared/protocol';\nimport '../core';\n${readFileSync(join(repoRoot, 'src/chat/answer.ts'), 'utf8')}`,
      { filePath: join(repoRoot, 'src/chat/answer.ts') },
    );
    assert.deepEqual(
      result!.messages.filter((message) => message.ruleId === 'no-restricted-imports'),
      [],
    );
  });
});
