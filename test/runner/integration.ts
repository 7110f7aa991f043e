// Runs test/integration inside a real VS Code extension host: code-server with the smoke-test
// driver, the workbench opened in headless Chromium with an extension-development/test payload.
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import {
  ARTIFACTS_DIR,
  createSandbox,
  launchBrowser,
  remoteUri,
  REPO_ROOT,
  startHost,
  workbenchUrl,
} from '../support/workbench';

const TIMEOUT_MS = Number(process.env.SWITCHBOARD_INTEGRATION_TIMEOUT_MS ?? 180_000);
const CONSOLE_LOG = join(ARTIFACTS_DIR, 'integration', 'console.log');
// The workbench's own chatter (tagged lines, connection progress); kept in CONSOLE_LOG only.
const WORKBENCH_NOISE =
  /^(\[[\w:. -]+\] |Ignoring fetching|Updating additional|Resolving connection|Resolved connection|Creating a socket)/;

async function main(): Promise<number> {
  const sandbox = createSandbox('integration');
  const host = await startHost(sandbox, { smokeTestDriver: true });
  const browser = await launchBrowser(sandbox.browserProfile);
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    let timer: NodeJS.Timeout | undefined;
    const exitCode = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        process.stderr.write(
          `integration tests did not finish within ${TIMEOUT_MS / 1000} s (no codeAutomationExit call)\n`,
        );
        resolve(1);
      }, TIMEOUT_MS);
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    // Console lines of the workbench and the extension host (the mocha reporter's among them).
    mkdirSync(join(ARTIFACTS_DIR, 'integration'), { recursive: true });
    writeFileSync(CONSOLE_LOG, '');
    await page.exposeFunction('codeAutomationLog', (_level: unknown, args: unknown) => {
      const line = format(...((Array.isArray(args) ? args : [args]) as unknown[]));
      appendFileSync(CONSOLE_LOG, `${line}\n`);
      if (!WORKBENCH_NOISE.test(line)) process.stdout.write(`${line}\n`);
    });
    const payload: Array<[string, string]> = [
      ['extensionDevelopmentPath', remoteUri(host.port, REPO_ROOT)],
      ['extensionTestsPath', remoteUri(host.port, join(REPO_ROOT, 'out', 'test', 'integration', 'index.js'))],
    ];
    await page.goto(workbenchUrl(host.url, sandbox.workspace, payload));
    const code = await exitCode;
    clearTimeout(timer);
    return code;
  } finally {
    await browser.close();
    await host.stop();
    rmSync(sandbox.root, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `integration runner failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
