// `npm run test:electron`: the integration tests in desktop VS Code (Electron), downloaded by
// @vscode/test-electron. Needs internet (and a display: on Linux, run under xvfb-run); on
// machines without internet `npm test` runs the same tests in code-server instead.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const workspace = mkdtempSync(join(tmpdir(), 'switchboard-electron-'));
writeFileSync(join(workspace, 'README.md'), '# Switchboard test workspace\n');

// VS Code's built-in Copilot Chat reaches for hosts on the internet; no test here needs VS Code's own agent.
process.env.VSCODE_SKIP_BUILTIN_EXTENSIONS = 'GitHub.copilot-chat';

try {
  await runTests({
    version: process.env.SWITCHBOARD_VSCODE_VERSION ?? 'stable',
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'out', 'test', 'integration', 'index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
  });
} catch (error) {
  process.stderr.write(
    `integration tests in VS Code (Electron) failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}
