// `npm run setup`: installs what the tests and `npm start` need outside node_modules (Debian's
// chromium and libkrb5-dev when missing, Node 24 and code-server into a per-user cache). Idempotent.
import { ensureHost, hostDir } from './vscode-host.mjs';

ensureHost();
process.stdout.write(`VS Code host ready in ${hostDir}\n`);
