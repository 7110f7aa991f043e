// Drives a real VS Code workbench (code-server) in headless Debian Chromium through playwright-core.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { CHROMIUM_PATH, ensureHost, installVsix, startCodeServer } from '../../scripts/vscode-host.mjs';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const ARTIFACTS_DIR = join(REPO_ROOT, 'test-artifacts');
export const MANIFEST = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};

let packaged: string | undefined;
/** The VSIX as `npm run package` writes it; packaged once per test run. */
export function packageVsix(): string {
  if (packaged) return packaged;
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'package.mjs')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, `npm run package failed:\n${result.stdout}\n${result.stderr}`);
  packaged = join(REPO_ROOT, 'dist-vsix', `${MANIFEST.name}-${MANIFEST.version}.vsix`);
  return packaged;
}

// Without the background-networking flags Chromium keeps dialling out on a machine with no internet.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Chromium's own services (updates, accounts, autofill) ask for hosts on the internet even so: no
  // name but loopback is looked up at all.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
];

export interface Sandbox {
  root: string;
  userDataDir: string;
  extensionsDir: string;
  browserProfile: string;
  workspace: string;
}

/** A throwaway folder per run: VS Code's user data, extensions, a browser profile and a workspace. */
export function createSandbox(label: string): Sandbox {
  const root = mkdtempSync(join(tmpdir(), `switchboard-${label}-`));
  const sandbox = {
    root,
    userDataDir: join(root, 'user-data'),
    extensionsDir: join(root, 'extensions'),
    browserProfile: join(root, 'browser'),
    workspace: join(root, 'workspace'),
  };
  for (const dir of Object.values(sandbox)) mkdirSync(dir, { recursive: true });
  writeFileSync(join(sandbox.workspace, 'README.md'), '# Switchboard test workspace\n');
  mkdirSync(join(sandbox.userDataDir, 'User'), { recursive: true });
  writeFileSync(join(sandbox.userDataDir, 'User', 'settings.json'), JSON.stringify(TEST_USER_SETTINGS));
  return sandbox;
}

/**
 * Every test host's user settings: nothing may reach the internet, so the daily price download is
 * off (the price tests turn it on with a loopback address) and any other request goes to a closed port.
 */
export const TEST_USER_SETTINGS = {
  'switchboard.prices.update': false,
  // Background checks would add model-list requests to the counts tests make; a test turns them on where it needs them.
  'switchboard.health.enabled': false,
  // Anything VS Code itself reaches for goes to a closed port on loopback; the tests' servers are reached directly.
  'http.proxy': 'http://127.0.0.1:9',
  'http.noProxy': ['127.0.0.1', 'localhost'],
};

export interface HostOptions {
  smokeTestDriver?: boolean;
  /** Keep VS Code's built-in Copilot Chat (VS Code's own agent), which every other test host skips. */
  withCopilotChat?: boolean;
  /** A file for strace's record of every address the host's processes connect to (see startCodeServer). */
  traceConnections?: string;
}

export async function startHost(sandbox: Sandbox, options: HostOptions = {}) {
  ensureHost();
  return startCodeServer({
    userDataDir: sandbox.userDataDir,
    extensionsDir: sandbox.extensionsDir,
    tempDir: join(sandbox.root, 'host'),
    smokeTestDriver: options.smokeTestDriver ?? false,
    withCopilotChat: options.withCopilotChat ?? false,
    traceConnections: options.traceConnections,
  });
}

/**
 * `proxy`: every request for a host other than loopback goes there, the browser's own included
 * (Chromium 156 still asks update.googleapis.com and accounts.google.com despite the flags above).
 * Passed as a switch: Playwright's `proxy` option would send loopback through it too.
 */
export async function launchBrowser(profileDir: string, options: { proxy?: string } = {}): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: options.proxy ? [...CHROMIUM_ARGS, `--proxy-server=${options.proxy}`] : CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
  });
}

/** The workbench URL for a folder; `payload` carries extension-development and test locations. */
export function workbenchUrl(baseUrl: string, folder: string, payload?: Array<[string, string]>): string {
  const query = new URLSearchParams({ folder });
  if (payload) query.set('payload', JSON.stringify(payload));
  return `${baseUrl}/?${query.toString()}`;
}

/** A path on the code-server machine as the workbench names it in an extension payload. */
export function remoteUri(port: number, path: string): string {
  return `vscode-remote://127.0.0.1:${port}${path}`;
}

export async function waitForWorkbench(page: Page): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  // The status bar fills in once the workbench has restored its parts.
  await page.locator('#workbench\\.parts\\.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
}

/**
 * Runs a command the way a person does (F1, type its title, pick the row) until `effect` shows.
 * Just after start-up the workbench moves focus (the Chat view takes it), which can dismiss the
 * palette before the row is picked; the command then never ran, so it is tried again (at most 3 times).
 */
export async function runFromPalette(page: Page, title: string, effect: Locator): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ state: 'visible' });
    await row.click();
    try {
      await effect.first().waitFor({ state: 'visible', timeout: attempt < 3 ? 10_000 : 30_000 });
      return;
    } catch (error) {
      if (attempt >= 3) throw error;
      await page.keyboard.press('Escape');
    }
  }
}

/** The content frame of a webview editor: VS Code nests it in two iframes. */
export function webviewFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

export interface InstalledWorkbench {
  sandbox: Sandbox;
  page: Page;
  /** Closes the browser, stops VS Code and removes the sandbox. */
  close(): Promise<void>;
}

/**
 * VS Code (code-server) in a fresh sandbox with Switchboard installed from its VSIX, as a user
 * installs it, and the workbench open in headless Chromium once Switchboard's activity bar item shows.
 */
export async function openInstalledWorkbench(
  label: string,
  userSettings: Record<string, unknown> = {},
  options: Omit<HostOptions, 'smokeTestDriver'> & { browserProxy?: string } = {},
): Promise<InstalledWorkbench> {
  const sandbox = createSandbox(label);
  let host: Awaited<ReturnType<typeof startHost>> | undefined;
  let browser: BrowserContext | undefined;
  // Each step runs whatever the one before did: a browser that fails to close still lets VS Code stop.
  const close = async () => {
    try {
      await browser?.close();
    } finally {
      try {
        await host?.stop();
      } finally {
        rmSync(sandbox.root, { recursive: true, force: true });
      }
    }
  };
  try {
    writeFileSync(
      join(sandbox.userDataDir, 'User', 'settings.json'),
      JSON.stringify({ ...TEST_USER_SETTINGS, ...userSettings }),
    );
    installVsix({
      vsix: packageVsix(),
      userDataDir: sandbox.userDataDir,
      extensionsDir: sandbox.extensionsDir,
      tempDir: join(sandbox.root, 'install'),
    });
    host = await startHost(sandbox, options);
    browser = await launchBrowser(sandbox.browserProfile, { proxy: options.browserProxy });
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(`${host.url}/?folder=${encodeURIComponent(sandbox.workspace)}`);
    await waitForWorkbench(page);
    // The workbench restores before the extension host has scanned installed extensions.
    await page
      .locator('.activitybar .action-item a[aria-label^="Switchboard"]')
      .waitFor({ state: 'visible', timeout: 60_000 });
    return { sandbox, page, close };
  } catch (error) {
    // The start-up failure is the one worth reporting, not a failure to clean up after it.
    await close().catch(() => undefined);
    throw error;
  }
}

/** For afterEach: the page as it was when a test failed. */
export async function screenshotIfFailed(
  test: Mocha.Test | undefined,
  page: Page | undefined,
  prefix: string,
): Promise<void> {
  if (test?.state === 'failed' && page)
    await screenshot(page, `failed-${prefix}${test.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 50)}`);
}

/** Saves the page, or one part of it, under test-artifacts/screenshots. */
export async function screenshot(page: Page, name: string, part?: Locator): Promise<string> {
  mkdirSync(join(ARTIFACTS_DIR, 'screenshots'), { recursive: true });
  const file = join(ARTIFACTS_DIR, 'screenshots', `${name}.png`);
  await (part ?? page).screenshot({ path: file });
  return file;
}
