// `npm start`: builds and packages Switchboard, installs the VSIX into a real VS Code (code-server)
// on 127.0.0.1, prints the URL and runs until Ctrl-C. Settings, keys and installed extensions
// persist in .vscode-host/ (git-ignored) between starts; SWITCHBOARD_HOME moves it.
import { mkdirSync, openSync } from 'node:fs';
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

ensureHost();
const vsix = packageVsix();
installVsix({ vsix, ...dirs });
const logFile = join(home, 'code-server.log');
const host = await startCodeServer({ ...dirs, port: await choosePort(), output: openSync(logFile, 'a') });

const url = `${host.url}/?folder=${encodeURIComponent(folder)}`;
process.stdout.write(
  `\nSwitchboard is running in VS Code at:\n\n  ${url}\n\n` +
    `Listening on 127.0.0.1 only (from another machine: ssh -L ${host.port}:127.0.0.1:${host.port} this-host).\n` +
    `code-server log: ${logFile}\nPress Ctrl-C to stop.\n`,
);

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\n${signal}: stopping VS Code…\n`);
  await host.stop();
  process.stdout.write('stopped.\n');
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
host.child.once('exit', (code, signal) => {
  if (stopping) return;
  process.stderr.write(`code-server exited unexpectedly (${code ?? signal}); see ${logFile}\n`);
  process.exit(1);
});
