// `npm test`: type check, lint, unit tests (Node), integration tests inside a real VS Code extension
// host, and browser tests of the real workbench — in that order. `npm test -- unit ui` runs some.
// Every layer runs even when an earlier one fails; the last line is `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureHost, ensureSystemPackages } from './vscode-host.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, 'out', 'test', 'results');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const reporter = join(root, 'test', 'support', 'results-reporter.cjs');

function run(command, args, env = {}) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return { ok: result.status === 0, seconds: (Date.now() - started) / 1000 };
}

/** Each pass/fail command counts as one check. */
function steps(...commands) {
  const total = { passed: 0, failed: 0, pending: 0, seconds: 0 };
  for (const [command, args] of commands) {
    const { ok, seconds } = run(command, args);
    total.passed += ok ? 1 : 0;
    total.failed += ok ? 0 : 1;
    total.seconds += seconds;
  }
  return total;
}

/** A mocha layer counts its tests; a crash or timeout with no failing test still counts as a failure. */
function suite(name, command, args) {
  const file = join(resultsDir, `${name}.json`);
  rmSync(file, { force: true });
  const { ok, seconds } = run(command, args);
  if (!existsSync(file))
    return { passed: 0, failed: 1, pending: 0, seconds, note: 'no results (the run crashed or timed out)' };
  const counts = JSON.parse(readFileSync(file, 'utf8'));
  const failed = counts.failed + (!ok && counts.failed === 0 ? 1 : 0);
  return {
    passed: counts.passed,
    failed,
    pending: counts.pending,
    seconds,
    note: !ok && counts.failed === 0 ? 'runner failed after the tests' : undefined,
  };
}

const mochaArgs = (name, glob, timeout, extra = []) => [
  ...extra,
  '--reporter',
  reporter,
  '--reporter-option',
  `output=${join(resultsDir, `${name}.json`)}`,
  '--timeout',
  String(timeout),
  glob,
];

const FORMATTED = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  .scripts.format.match(/"[^"]+"/g)
  .map((glob) => glob.slice(1, -1));

const layers = {
  // The extension host and the webview are type-checked against different libraries (Node vs DOM).
  typecheck: () => steps([bin('tsc'), ['--noEmit', '-p', '.']], [bin('tsc'), ['--noEmit', '-p', 'webview']]),
  // The same files `npm run format` writes; a file it would change fails the check.
  format: () => steps([bin('prettier'), ['--check', '--log-level', 'warn', ...FORMATTED]]),
  lint: () => steps([bin('eslint'), ['--max-warnings', '0', '.']]),
  unit: () =>
    suite(
      'unit',
      bin('mocha'),
      mochaArgs('unit', 'out/test/unit/**/*.test.js', 10_000, ['--require', 'out/test/unit/rootHooks.js']),
    ),
  integration: () => suite('integration', process.execPath, [join(root, 'out', 'test', 'runner', 'integration.js')]),
  ui: () => suite('ui', bin('mocha'), mochaArgs('ui', 'out/test/ui/**/*.test.js', 120_000)),
};

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in layers));
if (unknown.length > 0) {
  process.stderr.write(`unknown test layer(s): ${unknown.join(', ')}; choose from ${Object.keys(layers).join(', ')}\n`);
  process.exit(2);
}
const selected = requested.length > 0 ? requested : Object.keys(layers);

ensureSystemPackages();
if (selected.includes('integration') || selected.includes('ui')) ensureHost();
const build = run(process.execPath, [join(root, 'esbuild.mjs'), '--tests']);
if (!build.ok) {
  process.stdout.write('build failed\n0 passed, 1 failed\n');
  process.exit(1);
}

const summary = [];
for (const name of selected) {
  process.stdout.write(`\n=== ${name} ===\n`);
  summary.push([name, layers[name]()]);
}

let passed = 0;
let failed = 0;
process.stdout.write('\n=== summary ===\n');
for (const [name, result] of summary) {
  passed += result.passed;
  failed += result.failed;
  const pending = result.pending ? `, ${result.pending} pending` : '';
  const note = result.note ? ` (${result.note})` : '';
  process.stdout.write(
    `${name.padEnd(12)} ${result.passed} passed, ${result.failed} failed${pending} in ${result.seconds.toFixed(1)} s${note}\n`,
  );
}
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);
