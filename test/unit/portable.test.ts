import assert from 'node:assert/strict';
import { exportRegistry, mergeLayers, parseExport, parseWorkspaceFile, planImport } from '../../src/core/registry/portable';
import type { ProviderEntry, RegistryState } from '../../src/core/registry/schema';

const entry = (id: string, extra: Partial<ProviderEntry> = {}): ProviderEntry => ({
  id,
  name: id,
  type: 'openai-compatible',
  baseUrl: 'http://127.0.0.1:1234/v1',
  enabled: true,
  models: [{ id: 'm', prices: { input: 1, output: 2 } }],
  createdAt: 1,
  updatedAt: 2,
  ...extra,
});

describe('export, import and declared providers', () => {
  it('exports what round-trips through import, without connection results', () => {
    const state: RegistryState = { schemaVersion: 1, providers: [entry('lmstudio', { lastTest: { at: 5, ok: true, summary: 'ok' } })], defaultProvider: 'lmstudio' };
    const text = exportRegistry(state, new Date('2026-11-21T00:00:00Z'));
    assert.ok(!text.includes('lastTest'));
    const parsed = parseExport(text);
    assert.deepEqual(parsed, { ok: true, value: { providers: [entry('lmstudio')], defaultProvider: 'lmstudio' } });
  });

  it('names every problem with its path, and changes nothing when any is found', () => {
    const bad = JSON.stringify({
      format: 'switchboard.providers',
      version: 1,
      exportedAt: 'x',
      providers: [entry('ok'), { ...entry('two'), baseUrl: 'not a url', models: [{ id: 'm', prices: { input: -1 } }] }],
    });
    const result = parseExport(bad, 'team.json');
    assert.deepEqual(result, {
      ok: false,
      errors: ['team.json: providers[1].baseUrl: must be an http(s) URL', 'team.json: providers[1].models[0].prices.input: Too small: expected number to be >=0'],
    });
  });

  it('reports a JSON syntax error with its line, and a key anywhere in the file with its line', () => {
    const broken = parseExport('{\n  "format": "switchboard.providers",\n  "version": 1,,\n}', 'a.json');
    assert.equal(broken.ok, false);
    assert.match(broken.ok ? '' : broken.errors[0]!, /^a\.json \(line 3, column \d+\): not valid JSON/);

    const withKey = '{\n  "format": "switchboard.providers",\n  "version": 1,\n  "exportedAt": "x",\n  "providers": [{ "id": "a", "apiKey": "sk-oops" }]\n}';
    const refused = parseExport(withKey, 'a.json');
    assert.deepEqual(refused, { ok: false, errors: ['a.json (line 5, column 30): providers[0].apiKey: keys are never read from files; set them with "Switchboard: Set API Key"'] });
  });

  it('plans an import: new entries are added, existing ids are conflicts to ask about', () => {
    const current: RegistryState = { schemaVersion: 1, providers: [entry('a')] };
    assert.deepEqual(planImport(current, [entry('a', { name: 'A2' }), entry('b')]), { add: [entry('b')], conflicts: [entry('a', { name: 'A2' })] });
  });

  it('a workspace file: templates fill the gaps; keys and unknown templates are refused with file and line', () => {
    const good = parseWorkspaceFile(
      JSON.stringify({ providers: [{ id: 'team-openai', template: 'openai', models: [{ id: 'gpt-4o', prices: { input: 2.5 } }] }], fallback: [{ provider: 'team-openai', model: 'gpt-4o' }] }),
      '.vscode/switchboard.json',
    );
    assert.ok(good.ok);
    assert.deepEqual(good.ok && good.value.providers[0], {
      id: 'team-openai',
      name: 'OpenAI',
      template: 'openai',
      type: 'openai',
      baseUrl: 'https://api.openai.com/v1',
      enabled: true,
      models: [{ id: 'gpt-4o', prices: { input: 2.5 } }],
      createdAt: 0,
      updatedAt: 0,
    });

    const keyed = parseWorkspaceFile('{\n  "providers": [\n    { "id": "x", "template": "openai",\n      "key": "sk-live" }\n  ]\n}', '.vscode/switchboard.json');
    assert.deepEqual(keyed, { ok: false, errors: ['.vscode/switchboard.json (line 4, column 7): providers[0].key: keys are never read from files; set them with "Switchboard: Set API Key"'] });

    const headerKey = parseWorkspaceFile(JSON.stringify({ providers: [{ id: 'x', template: 'openai', headers: { Authorization: 'Bearer sk-live' } }] }), 'w.json');
    assert.deepEqual(headerKey, { ok: false, errors: ['w.json (line 1, column 56): providers[0].headers.Authorization: keys are never read from files; set them with "Switchboard: Set API Key"'] });

    for (const header of ['Ocp-Apim-Subscription-Key', 'cf-aig-authorization', 'X-Auth-Token', 'Cookie']) {
      const refused = parseWorkspaceFile(JSON.stringify({ providers: [{ id: 'x', template: 'openai', headers: { [header]: 'secret' } }] }), 'w.json');
      assert.equal(refused.ok, false, header);
    }
    assert.equal(parseWorkspaceFile(JSON.stringify({ providers: [{ id: 'x', template: 'openai', headers: { 'HTTP-Referer': 'https://example.com' } }] }), 'w.json').ok, true);

    const unknown = parseWorkspaceFile(JSON.stringify({ providers: [{ id: 'x', template: 'nope' }] }), 'w.json');
    assert.deepEqual(unknown, { ok: false, errors: ['w.json: providers[0].template: unknown template "nope"', 'w.json: providers[0].type: needed when there is no template', 'w.json: providers[0].baseUrl: needed when the template has none'] });
  });

  it('merges the layers: user over settings over workspace; declared entries are read-only', () => {
    const merged = mergeLayers({
      user: [entry('shared', { name: 'mine' })],
      settings: [entry('shared', { name: 'settings' }), entry('from-settings')],
      workspace: [entry('shared', { name: 'team' }), entry('from-settings', { name: 'team' }), entry('team-only')],
    });
    assert.deepEqual(
      merged.map((item) => [item.id, item.name, item.source, item.readOnly]),
      [
        ['shared', 'mine', 'user', false],
        ['from-settings', 'from-settings', 'settings', true],
        ['team-only', 'team-only', 'workspace', true],
      ],
    );
  });
});
