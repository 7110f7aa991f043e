// Entry point VS Code calls inside the extension host (extensionTestsPath): runs every *.test.js here.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: 30_000,
    reporter: resolve(__dirname, '..', '..', '..', 'test', 'support', 'results-reporter.cjs'),
    reporterOptions: { output: resolve(__dirname, '..', 'results', 'integration.json') },
  });
  for (const file of readdirSync(__dirname).filter((name) => name.endsWith('.test.js')))
    mocha.addFile(join(__dirname, file));
  // SWITCHBOARD_INTEGRATION_GREP=… runs only the tests whose titles match (while working on one).
  if (process.env.SWITCHBOARD_INTEGRATION_GREP) mocha.grep(process.env.SWITCHBOARD_INTEGRATION_GREP);
  return new Promise((done, fail) => {
    mocha.run((failures) => (failures > 0 ? fail(new Error(`${failures} integration test(s) failed`)) : done()));
  });
}
