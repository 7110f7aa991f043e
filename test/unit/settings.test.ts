import assert from 'node:assert/strict';
import { readSettings, type SettingsSource } from '../../src/platform/settingsSchema';
import { parsePrices } from '../../src/cost/unknownPrices';

const source = (
  values: Record<string, unknown>,
  layers: Record<string, { user?: unknown; workspace?: unknown; folder?: unknown }> = {},
): SettingsSource => ({
  get: (key) => values[key],
  layers: (key) => layers[key] ?? {},
});

describe('settings reader', () => {
  it('gives package.json defaults when nothing is set, with no problems', () => {
    const { settings, problems } = readSettings(source({}), { trusted: true });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.retry, { maxAttempts: 3, maxWaitSeconds: 30 });
    assert.deepEqual(settings.circuit, { failureThreshold: 3, coolDownSeconds: 30 });
    assert.deepEqual(settings.fallback, {
      chain: [],
      maxCostRatio: 3,
      askBeforeSwitchingProviders: false,
      automatic: true,
    });
    assert.deepEqual(settings.health, { enabled: true, intervalMinutes: 5 });
    assert.equal(settings.statusBar.period, 'today');
  });

  it('a malformed value falls back to its default, with a message naming the setting', () => {
    const { settings, problems } = readSettings(
      source({ 'retry.maxAttempts': 'five', 'retry.maxWaitSeconds': 12, 'statusBar.period': 'week' }),
      { trusted: true },
    );
    assert.equal(settings.retry.maxAttempts, 3);
    // The valid neighbour is still applied: one bad field does not throw the others away.
    assert.equal(settings.retry.maxWaitSeconds, 12);
    assert.equal(settings.statusBar.period, 'today');
    assert.equal(problems.length, 2);
    assert.ok(
      problems.some((problem) => /^switchboard\.retry\.maxAttempts "five" ignored .*; using 3$/.test(problem)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((problem) => /^switchboard\.statusBar\.period "week" ignored/.test(problem)),
      problems.join('\n'),
    );
  });

  it('a fallback chain with one malformed step is not half-applied: no chain, and the step is named', () => {
    const { settings, problems } = readSettings(
      source({ 'fallback.chain': [{ provider: 'openai', model: 'gpt-4o' }, { provider: 'anthropic' }] }),
      { trusted: true },
    );
    assert.deepEqual(settings.fallback.chain, []);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^switchboard\.fallback\.chain ignored .*\[1\]\.model/);
  });

  it('a malformed budget is left out whole; the valid ones apply', () => {
    const good = { id: 'daily', scope: { kind: 'overall' }, period: 'daily', limitUsd: 5, mode: 'warn' };
    const { settings, problems } = readSettings(source({ budgets: [good, { ...good, id: 'bad', limitUsd: -1 }] }), {
      trusted: true,
    });
    assert.deepEqual(
      settings.budgets.map((budget) => budget.id),
      ['daily'],
    );
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^switchboard\.budgets\[1\] ignored: limitUsd/);
  });

  it('token caps: a malformed one or a second for the same provider is left out whole, named; the valid ones apply', () => {
    const { settings, problems } = readSettings(
      source({
        tokenCaps: [
          { providerId: 'openai', softTokens: 50_000, hardTokens: 100_000 },
          { providerId: 'anthropic', softTokens: 9, hardTokens: 8 },
          { providerId: 'openai', hardTokens: 5 },
          'not a cap',
        ],
      }),
      { trusted: true },
    );
    assert.deepEqual(settings.tokenCaps, [{ providerId: 'openai', softTokens: 50_000, hardTokens: 100_000 }]);
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(
      problems[0]!,
      /^switchboard\.tokenCaps\[1\] ignored: softTokens: softTokens must not be above hardTokens/,
    );
    assert.match(problems[1]!, /^switchboard\.tokenCaps\[2\] ignored: a second entry for openai$/);
    assert.match(problems[2]!, /^switchboard\.tokenCaps\[3\] ignored/);
  });

  it('a workspace layer of providers counts only in a trusted workspace, and an untrusted one is not even checked', () => {
    const layers = {
      providers: {
        user: [{ id: 'mine', template: 'openai' }],
        workspace: [{ id: 'theirs', template: 'ollama' }, { id: 'Bad Id' }],
      },
    };
    const trusted = readSettings(source({}, layers), { trusted: true });
    assert.deepEqual(
      trusted.settings.providers.user.map((entry) => entry.id),
      ['mine'],
    );
    assert.deepEqual(
      trusted.settings.providers.workspace.map((entry) => entry.id),
      ['theirs'],
    );
    assert.equal(trusted.problems.length, 1);
    assert.match(trusted.problems[0]!, /^workspace settings switchboard\.providers\[1\] ignored/);
    const untrusted = readSettings(source({}, layers), { trusted: false });
    assert.deepEqual(untrusted.settings.providers.workspace, []);
    assert.deepEqual(untrusted.problems, []);
  });
});

describe('switchboard.unknownPrice', () => {
  it("is 'ask' unless set to allow or block; anything else is ignored with a message", () => {
    assert.equal(readSettings(source({}), { trusted: true }).settings.unknownPrice, 'ask');
    assert.equal(readSettings(source({ unknownPrice: 'block' }), { trusted: true }).settings.unknownPrice, 'block');
    assert.equal(readSettings(source({ unknownPrice: 'allow' }), { trusted: true }).settings.unknownPrice, 'allow');
    const { settings, problems } = readSettings(source({ unknownPrice: 'free' }), { trusted: true });
    assert.equal(settings.unknownPrice, 'ask');
    assert.match(problems.join('\n'), /^switchboard\.unknownPrice "free" ignored .*; using "ask"$/);
  });
});

describe('typed model prices', () => {
  it('reads input / output per million tokens, in the ways people type them', () => {
    assert.deepEqual(parsePrices('0.40 / 1.60'), { input: 0.4, output: 1.6 });
    assert.deepEqual(parsePrices('$0.4, $1.6'), { input: 0.4, output: 1.6 });
    assert.deepEqual(parsePrices(' 3 15 '), { input: 3, output: 15 });
    assert.deepEqual(parsePrices('0/0'), { input: 0, output: 0 });
    assert.match(parsePrices('0.40') as string, /^Type two prices/);
    assert.match(parsePrices('-1 / 2') as string, /^Each price must be a number/);
    assert.match(parsePrices('1e3 / 2') as string, /^Each price must be a number/);
    assert.match(parsePrices('one / two') as string, /^Each price must be a number/);
  });
});
