// `npm start` as a user runs it: a URL where VS Code runs with Switchboard, and a clean Ctrl-C.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/vscode-host.mjs';
import { launchBrowser, REPO_ROOT, screenshot, waitForWorkbench } from '../support/workbench';

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm start', function () {
  this.timeout(180_000);
  let home: string;
  let start: ChildProcess | undefined;

  after(() => {
    if (start?.exitCode === null) start.kill('SIGKILL');
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('prints a URL where VS Code runs with Switchboard, and stops everything on Ctrl-C', async () => {
    home = mkdtempSync(join(tmpdir(), 'switchboard-start-'));
    const port = await freePort();
    const child = spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'start.mjs')], {
      cwd: REPO_ROOT,
      env: { ...process.env, SWITCHBOARD_HOME: home, SWITCHBOARD_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    start = child;
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL within 120 s:\n${output}`)), 120_000);
      child.stdout?.on('data', () => {
        const match = /(http:\/\/127\.0\.0\.1:\d+\/\?folder=\S+)/.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
    });
    assert.ok(url.startsWith(`http://127.0.0.1:${port}/`), url);

    const browser = await launchBrowser(join(home, 'browser'));
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      await page.goto(url);
      await waitForWorkbench(page);
      await page.locator('.activitybar .action-item a[aria-label^="Switchboard"]').waitFor({ state: 'visible', timeout: 60_000 });
      await screenshot(page, 'npm-start');
    } finally {
      await browser.close();
    }

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 0, output);
    assert.match(output, /stopped\./);
    assert.equal(await portAnswers(port), false, 'code-server still answers after Ctrl-C');
  });
});
