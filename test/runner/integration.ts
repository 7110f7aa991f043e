// Runs test/integration inside a real VS Code extension host: code-server with the smoke-test
// driver, the workbench opened in headless Chromium with an extension-development/test payload.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import { createSandbox, launchBrowser, remoteUri, REPO_ROOT, startHost, workbenchUrl } from '../support/workbench';

const TIMEOUT_MS = Number(process.env.SWITCHBOARD_INTEGRATION_TIMEOUT_MS ?? 180_000);

async function main(): Promise<number> {
  const sandbox = createSandbox('integration');
  const host = await startHost(sandbox, { smokeTestDriver: true });
  const browser = await launchBrowser(sandbox.browserProfile);
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    let timer: NodeJS.Timeout | undefined;
    const exitCode = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        process.stderr.write(`integration tests did not finish within ${TIMEOUT_MS / 1000} s (no codeAutomationExit call)\n`);
        resolve(1);
      }, TIMEOUT_MS);
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    // Extension-host console lines arrive here (the mocha reporter's output among them).
    await page.exposeFunction('codeAutomationLog', (_level: string, args: unknown[]) => {
      process.stdout.write(`${format(...(Array.isArray(args) ? args : [args]))}\n`);
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
    process.stderr.write(`integration runner failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
