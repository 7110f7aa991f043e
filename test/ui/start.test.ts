// `npm start` as a user runs it: a URL where VS Code runs with Switchboard; Ctrl-C, SIGTERM (a
// process manager, `timeout`) and SIGHUP (a closed terminal) each stop everything it started.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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

interface ProcessInfo {
  pid: number;
  pgid: number;
  args: string;
}

/** Every living process (zombies, already ended, aside), from /proc. */
function processes(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses.
        const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (state === 'Z') return [];
        return [
          {
            pid: Number(name),
            pgid: Number(pgrp),
            args: readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' '),
          },
        ];
      } catch {
        return []; // ended while being read
      }
    });
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('npm start', function () {
  this.timeout(240_000);
  const homes: string[] = [];
  const groups = new Set<number>();

  after(() => {
    // Whatever a failed test left behind, and only that: the groups it started.
    for (const group of groups) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // gone
      }
    }
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  });

  /** `npm start` in a process group of its own, as a shell runs a foreground job; resolves with its URL once it prints one. */
  async function npmStart(): Promise<{
    child: ChildProcess;
    url: string;
    port: number;
    home: string;
    output: () => string;
  }> {
    const home = mkdtempSync(join(tmpdir(), 'switchboard-start-'));
    homes.push(home);
    const port = await freePort();
    const child = spawn('npm', ['start'], {
      cwd: REPO_ROOT,
      env: { ...process.env, SWITCHBOARD_HOME: home, SWITCHBOARD_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    groups.add(child.pid!);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL within 150 s:\n${output}`)), 150_000);
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
    return { child, url, port, home, output: () => output };
  }

  /**
   * Sends the signal, then waits until nothing `npm start` started is left: npm, its shell and
   * script (npm's group), code-server and every process of its own group.
   */
  async function stopsEverything(
    started: Awaited<ReturnType<typeof npmStart>>,
    send: () => void,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const { child, port, home, output } = started;
    const codeServer = processes().filter((info) => info.args.includes(home));
    assert.ok(codeServer.length > 0, 'code-server runs with this home');
    const codeServerGroups = new Set(codeServer.map((info) => info.pgid));
    assert.ok(!codeServerGroups.has(child.pid!), 'code-server runs in a group of its own, as vscode-host starts it');
    for (const group of codeServerGroups) groups.add(group);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    // 'close': every process holding npm's output has ended, the script that stops code-server included.
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    send();
    const ended = await exited;
    // Bounded, so that a script left running fails the test with the list below rather than its timeout.
    await Promise.race([closed, delay(30_000)]);
    const left = () =>
      processes().filter(
        (info) => info.pgid === child.pid || codeServerGroups.has(info.pgid) || info.args.includes(home),
      );
    // The group's last processes may take a moment to be reaped after the script's exit.
    for (let tries = 0; tries < 50 && left().length > 0; tries++) await delay(100);
    assert.deepEqual(
      left().map((info) => `${info.pid} ${info.args}`),
      [],
      `left running:\n${output()}`,
    );
    assert.match(output(), /stopped\./);
    assert.equal(await portAnswers(port), false, 'code-server still answers');
    return ended;
  }

  it('prints a URL where VS Code runs with Switchboard, and stops everything on Ctrl-C', async () => {
    const started = await npmStart();
    const browser = await launchBrowser(join(started.home, 'browser'));
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      await page.goto(started.url);
      await waitForWorkbench(page);
      await page
        .locator('.activitybar .action-item a[aria-label^="Switchboard"]')
        .waitFor({ state: 'visible', timeout: 60_000 });
      await screenshot(page, 'npm-start');
    } finally {
      await browser.close();
    }
    // Ctrl-C: the terminal signals the whole foreground group.
    const { code, signal } = await stopsEverything(started, () => process.kill(-started.child.pid!, 'SIGINT'));
    // A clean stop, not a crash: npm ends as its shell did, by the SIGINT (dash) or with 0 (bash).
    assert.ok(code === 0 || signal === 'SIGINT', `npm ended with ${code ?? signal}:\n${started.output()}`);
  });

  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`stops everything when npm alone gets ${signal}`, async () => {
      const started = await npmStart();
      // As a process manager or `timeout` sends it: to npm's process only.
      await stopsEverything(started, () => started.child.kill(signal));
    });
  }
});
