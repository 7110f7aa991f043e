// Mocha's spec reporter plus a JSON summary ({ passed, failed, pending }) written to the file named
// by the reporter option `output`, so scripts/test.mjs can add up every layer into one closing line.
const { mkdirSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');
const Mocha = require('mocha');

const { EVENT_RUN_END, EVENT_TEST_FAIL, EVENT_TEST_PASS, EVENT_TEST_PENDING } = Mocha.Runner.constants;

class ResultsReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const output = options?.reporterOptions?.output;
    const counts = { passed: 0, failed: 0, pending: 0, failures: [] };
    runner.on(EVENT_TEST_PASS, () => counts.passed++);
    runner.on(EVENT_TEST_PENDING, () => counts.pending++);
    runner.on(EVENT_TEST_FAIL, (test, error) => {
      counts.failed++;
      counts.failures.push(`${test.fullTitle()}: ${error?.message ?? error}`);
    });
    runner.once(EVENT_RUN_END, () => {
      if (!output) return;
      mkdirSync(dirname(output), { recursive: true });
      writeFileSync(output, JSON.stringify(counts));
    });
  }
}

module.exports = ResultsReporter;
