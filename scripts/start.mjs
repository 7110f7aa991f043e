// `npm start`: builds and packages Switchboard, installs the VSIX into a real VS Code (code-server)
// on 127.0.0.1, prints the URL and runs until Ctrl-C, SIGTERM, SIGHUP (a closed terminal) or the
// end of the npm that ran it. Settings, keys and installed extensions persist in .vscode-host/
// (git-ignored) between starts; SWITCHBOARD_HOME moves it.
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageVsix } from './package.mjs';
import { ensureHost, freePort, installVsix, startCodeServer } from './vscode-host.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const home = resolve(process.env.SWITCHBOARD_HOME ?? join(root, '.vscode-host'));
const folder = resolve(process.env.SWITCHBOARD_FOLDER ?? root);
const dirs = {
  userDataDir: join(home, 'user-data'),
  extensionsDir: join(home, 'extensions'),
  tempDir: join(home, 'run'),
};
for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });

async function choosePort() {
  if (process.env.SWITCHBOARD_PORT) return Number(process.env.SWITCHBOARD_PORT);
  // 8080 when it is free, so the URL stays the same from one start to the next.
  const { createServer } = await import('node:net');
  const free = await new Promise((done) => {
    const probe = createServer().once('error', () => done(false));
    probe.listen(8080, '127.0.0.1', () => probe.close(() => done(true)));
  });
  return free ? 8080 : freePort();
}

/** @type {Promise<{ url: string, port: number, child: import('node:child_process').ChildProcess, stop: () => Promise<void> }> | undefined} */
let starting;
let stopping = false;

/** Stops code-server's whole group, once; a code-server still starting is stopped as soon as it answers. */
async function stop(reason) {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\n${reason}: stopping VS Code…\n`);
  const host = await starting?.catch(() => undefined);
  await host?.stop();
  process.stdout.write('stopped.\n');
  process.exit(0);
}

// A closed terminal fails every write: that must not end this process before code-server is stopped.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
// Installed before anything starts, so a signal during the build leaves nothing behind either.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void stop(signal));

/** A process's parent from /proc (Linux), or undefined where it cannot be read. */
function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

// npm runs this through `sh -c`: it forwards SIGTERM and SIGINT to that shell, which dies of SIGTERM
// without passing it on (and holds SIGINT until this process ends); on SIGHUP npm itself just exits.
// So, besides the signals, this process stops when its shell or npm goes: a parent that ends
// hands its children to another process.
const parent = process.ppid;
const npm = process.env.npm_lifecycle_event ? parentOf(parent) : undefined;
setInterval(() => {
  if (process.ppid !== parent) void stop('the process that started this one ended');
  else if (npm !== undefined && parentOf(parent) !== npm) void stop('npm ended');
}, 500).unref();

ensureHost();
const vsix = packageVsix();
installVsix({ vsix, ...dirs });
const logFile = join(home, 'code-server.log');
const port = await choosePort();
if (!stopping) starting = startCodeServer({ ...dirs, port, output: openSync(logFile, 'a') });
// Stopping already: stop() has the host, or the failure, through `starting`, and ends the process.
const host = await starting?.catch((error) => {
  if (!stopping) throw error;
});
if (host && !stopping) {
  const url = `${host.url}/?folder=${encodeURIComponent(folder)}`;
  process.stdout.write(
    `\nSwitchboard is running in VS Code at:\n\n  ${url}\n\n` +
      `Listening on 127.0.0.1 only (from another machine: ssh -L ${host.port}:127.0.0.1:${host.port} this-host).\n` +
      `code-server log: ${logFile}\nPress Ctrl-C to stop.\n`,
  );
  host.child.once('exit', (code, signal) => {
    if (stopping) return;
    process.stderr.write(`code-server exited unexpectedly (${code ?? signal}); see ${logFile}\n`);
    process.exit(1);
  });
}
