import assert from 'node:assert/strict';
import { Redactor } from '../../src/core';
import { AuditLog } from '../../src/core/registry/audit';
import { KeyStore } from '../../src/core/registry/keys';
import {
  exportRegistry,
  MAX_FILE_DEPTH,
  MAX_IMPORT_PROVIDERS,
  mergeLayers,
  parseExport,
  parseWorkspaceFile,
  planImport,
} from '../../src/core/registry/portable';
import { Registry } from '../../src/core/registry/registry';
import type { ProviderEntry, RegistryState } from '../../src/core/registry/schema';
import { RegistryStore } from '../../src/core/registry/store';
import { MemoryKeyValueStore, MemorySecretStore } from '../support/memoryStores';

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
    const state: RegistryState = {
      schemaVersion: 1,
      providers: [entry('lmstudio', { lastTest: { at: 5, ok: true, summary: 'ok' } })],
      defaultProvider: 'lmstudio',
    };
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
      errors: [
        'team.json: providers[1].baseUrl: must be an http(s) URL',
        'team.json: providers[1].models[0].prices.input: Too small: expected number to be >=0',
      ],
    });
  });

  it('reports a JSON syntax error with its line, and a key anywhere in the file with its line', () => {
    const broken = parseExport('{\n  "format": "switchboard.providers",\n  "version": 1,,\n}', 'a.json');
    assert.equal(broken.ok, false);
    assert.match(broken.ok ? '' : broken.errors[0]!, /^a\.json \(line 3, column \d+\): not valid JSON/);

    const withKey =
      '{\n  "format": "switchboard.providers",\n  "version": 1,\n  "exportedAt": "x",\n  "providers": [{ "id": "a", "apiKey": "sk-oops" }]\n}';
    const refused = parseExport(withKey, 'a.json');
    assert.deepEqual(refused, {
      ok: false,
      errors: [
        'a.json (line 5, column 30): providers[0].apiKey: keys are never read from files; set them with "Switchboard: Set API Key"',
      ],
    });
  });

  it('plans an import: new entries are added, existing ids are conflicts to ask about', () => {
    const current: RegistryState = { schemaVersion: 1, providers: [entry('a')] };
    assert.deepEqual(planImport(current, [entry('a', { name: 'A2' }), entry('b')]), {
      add: [entry('b')],
      conflicts: [entry('a', { name: 'A2' })],
    });
  });

  it('a workspace file: templates fill the gaps; keys and unknown templates are refused with file and line', () => {
    const good = parseWorkspaceFile(
      JSON.stringify({
        providers: [{ id: 'team-openai', template: 'openai', models: [{ id: 'gpt-4o', prices: { input: 2.5 } }] }],
        fallback: [{ provider: 'team-openai', model: 'gpt-4o' }],
      }),
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

    const keyed = parseWorkspaceFile(
      '{\n  "providers": [\n    { "id": "x", "template": "openai",\n      "key": "sk-live" }\n  ]\n}',
      '.vscode/switchboard.json',
    );
    assert.deepEqual(keyed, {
      ok: false,
      errors: [
        '.vscode/switchboard.json (line 4, column 7): providers[0].key: keys are never read from files; set them with "Switchboard: Set API Key"',
      ],
    });

    const headerKey = parseWorkspaceFile(
      JSON.stringify({ providers: [{ id: 'x', template: 'openai', headers: { Authorization: 'Bearer sk-live' } }] }),
      'w.json',
    );
    assert.deepEqual(headerKey, {
      ok: false,
      errors: [
        'w.json (line 1, column 56): providers[0].headers.Authorization: keys are never read from files; set them with "Switchboard: Set API Key"',
      ],
    });

    for (const header of ['Ocp-Apim-Subscription-Key', 'cf-aig-authorization', 'X-Auth-Token', 'Cookie']) {
      const refused = parseWorkspaceFile(
        JSON.stringify({ providers: [{ id: 'x', template: 'openai', headers: { [header]: 'secret' } }] }),
        'w.json',
      );
      assert.equal(refused.ok, false, header);
    }
    assert.equal(
      parseWorkspaceFile(
        JSON.stringify({
          providers: [{ id: 'x', template: 'openai', headers: { 'HTTP-Referer': 'https://example.com' } }],
        }),
        'w.json',
      ).ok,
      true,
    );

    const unknown = parseWorkspaceFile(JSON.stringify({ providers: [{ id: 'x', template: 'nope' }] }), 'w.json');
    assert.deepEqual(unknown, {
      ok: false,
      errors: [
        'w.json: providers[0].template: unknown template "nope"',
        'w.json: providers[0].type: needed when there is no template',
        'w.json: providers[0].baseUrl: needed when the template has none',
      ],
    });
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

describe('import at scale', () => {
  const exportOf = (count: number) =>
    exportRegistry({
      schemaVersion: 1,
      providers: Array.from({ length: count }, (_, i) => entry(`p${i}`)),
    });

  // Its speed (linear up to 100,000 providers) is measured by `npm run bench`, not here.
  it('imports 10,000 providers, asking once about the one already there', async () => {
    const kv = new MemoryKeyValueStore();
    const registry = new Registry({
      store: new RegistryStore(kv, () => undefined),
      keys: new KeyStore(new MemorySecretStore(), new Redactor(), () => Promise.resolve(undefined), kv),
      audit: new AuditLog(kv),
      fetch: globalThis.fetch,
    });
    await registry.add({ template: 'custom', name: 'p7', baseUrl: 'http://127.0.0.1:1/v1' });
    let asked: number | undefined;
    const result = await registry.importFile(exportOf(10_000), {
      replaceExisting: (conflicts) => Promise.resolve(((asked = conflicts.length), false)),
    });
    assert.deepEqual(result, { ok: true, added: 9_999, replaced: 0, skipped: 1 });
    assert.equal(asked, 1);
    assert.equal(registry.state().providers.length, 10_000);
  });

  it(`more than ${MAX_IMPORT_PROVIDERS.toLocaleString('en-US')} providers are refused before anything else is read`, () => {
    const text = `{"format":"switchboard.providers","version":1,"exportedAt":"x","providers":[${Array.from({ length: MAX_IMPORT_PROVIDERS + 1 }, () => '{}').join(',')}]}`;
    assert.deepEqual(parseExport(text, 'big.json'), {
      ok: false,
      limit: 'too-many-providers',
      errors: ['big.json: providers: 100,001 providers; a file may hold at most 100,000'],
    });
  });

  it('a file nested 20,000 deep is reported, not thrown, in an import and in a workspace file', () => {
    const deep = `{"format":"switchboard.providers","version":1,"exportedAt":"x","providers":[{"id":"a","models":[{"id":"m","extraBody":{"x":${'['.repeat(20_000)}${']'.repeat(20_000)}}}]}]}`;
    const imported = parseExport(deep, 'deep.json');
    assert.deepEqual(imported, {
      ok: false,
      limit: 'too-deep',
      errors: [
        `deep.json (line 1, column 182): nested more than ${MAX_FILE_DEPTH} levels deep; a Switchboard file is never this deep`,
      ],
    });
    const workspace = parseWorkspaceFile(
      `{"providers":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
      '.vscode/switchboard.json',
    );
    assert.equal(workspace.ok || workspace.limit, 'too-deep');
    // Brackets inside strings are text, not nesting.
    assert.equal(
      parseWorkspaceFile(
        JSON.stringify({ providers: [{ id: 'x', template: 'openai', name: '['.repeat(90) }] }),
        'w.json',
      ).ok,
      true,
    );
  });

  it('a file with many key fields locates the first hundred and counts the rest', () => {
    const providers = Array.from({ length: 150 }, (_, i) => ({ ...entry(`p${i}`), apiKey: 'x' }));
    const result = parseExport(
      JSON.stringify({ format: 'switchboard.providers', version: 1, exportedAt: 'x', providers }, null, 1),
      'k.json',
    );
    assert.equal(result.ok, false);
    const errors = result.ok ? [] : result.errors;
    assert.equal(errors.length, 101);
    assert.match(errors[1]!, /^k\.json \(line \d+, column \d+\): providers\[1\]\.apiKey: keys are never read/);
    assert.notEqual(errors[0]!.slice(0, 30), errors[1]!.slice(0, 30), 'each occurrence at its own line');
    assert.equal(errors[100], 'k.json: 50 more key fields');
  });
});
