import assert from 'node:assert/strict';
import { ProviderError, Redactor } from '../../src/core';
import { AUDIT_KEY, AUDIT_LIMIT, AuditLog } from '../../src/core/registry/audit';
import { KeyStore, maskKey, parseReference, type KeyReference } from '../../src/core/registry/keys';
import { Registry, type RegistryChange } from '../../src/core/registry/registry';
import {
  REGISTRY_KEY,
  RegistryError,
  RegistryReadOnlyError,
  RegistryStore,
  type CorruptionReport,
} from '../../src/core/registry/store';
import { collect, collectUntilError, textOf, useServers } from '../support/chat';
import { dataEvents, json, sse } from '../support/loopback';
import { MemoryKeyValueStore, MemorySecretStore } from '../support/memoryStores';
import { finishChunk, OPENAI_USAGE, textDelta, usageChunk } from '../fixtures/openaiWire';
import { showCurrent, tagsEntry } from '../fixtures/ollamaWire';

const STREAM = dataEvents([textDelta('ok'), finishChunk('stop'), usageChunk(OPENAI_USAGE), '[DONE]']);

function setup(options: { env?: Record<string, string> } = {}) {
  const kv = new MemoryKeyValueStore();
  const secrets = new MemorySecretStore();
  const redactor = new Redactor();
  const corruption: CorruptionReport[] = [];
  let clock = 1_700_000_000_000;
  const now = () => clock++;
  const store = new RegistryStore(kv, (report) => corruption.push(report), now);
  const resolve = (reference: KeyReference) =>
    Promise.resolve(reference.kind === 'env' ? options.env?.[reference.name] : undefined);
  const keys = new KeyStore(secrets, redactor, resolve, kv);
  const audit = new AuditLog(kv, now);
  const registry = new Registry({ store, keys, audit, fetch: globalThis.fetch, now });
  const changes: RegistryChange[] = [];
  registry.onDidChange((change) => changes.push(change));
  return { kv, secrets, redactor, corruption, store, keys, audit, registry, changes };
}

describe('provider registry', () => {
  const serve = useServers();

  describe('store', () => {
    it('starts empty, and a change is validated before anything is written', async () => {
      const { store, kv } = setup();
      assert.deepEqual(store.read(), { schemaVersion: 1, providers: [] });
      await assert.rejects(
        store.update((state) => ({
          ...state,
          providers: [
            {
              id: 'Bad Id',
              name: 'x',
              type: 'openai',
              baseUrl: 'ftp://x',
              enabled: true,
              models: [],
              createdAt: 0,
              updatedAt: 0,
            },
          ],
        })),
        (error: unknown) =>
          error instanceof RegistryError &&
          error.problems.includes('providers[0].id: must be 1-64 lower-case letters, digits, ".", "_" or "-"') &&
          error.problems.includes('providers[0].baseUrl: must be an http(s) URL'),
      );
      assert.equal(kv.data.has(REGISTRY_KEY), false);
    });

    it('fifty edits at once: none overwrites another', async () => {
      const { registry } = setup();
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          registry.add({ template: 'custom', name: `Server ${i}`, baseUrl: `http://127.0.0.1:${9000 + i}/v1` }),
        ),
      );
      const ids = registry.list().map((entry) => entry.id);
      assert.equal(ids.length, 50);
      assert.equal(new Set(ids).size, 50);
    });

    it('damaged data is kept aside, the user told once, and the valid providers keep working', async () => {
      const { kv, store, corruption } = setup();
      const good = {
        id: 'openai',
        name: 'OpenAI',
        template: 'openai',
        type: 'openai',
        baseUrl: 'https://api.openai.com/v1',
        enabled: true,
        models: [],
        createdAt: 1,
        updatedAt: 1,
      };
      const damaged = {
        schemaVersion: 1,
        providers: [good, { id: 'broken', name: 'Broken', type: 'teleport', baseUrl: 'nope' }],
        defaultProvider: 'openai',
      };
      kv.data.set(REGISTRY_KEY, damaged);
      assert.deepEqual(
        store.read().providers.map((entry) => entry.id),
        ['openai'],
        'reading already skips what is broken',
      );
      await store.check();
      await store.check();
      assert.equal(corruption.length, 1, 'told once');
      assert.equal(corruption[0]!.salvaged, 1);
      assert.ok(
        corruption[0]!.problems.some((problem) => problem.startsWith('providers[1].type')),
        corruption[0]!.problems.join('\n'),
      );
      assert.deepEqual(
        kv.get<{ data: unknown }>(corruption[0]!.backupKey)?.data,
        damaged,
        'the damaged data is kept, untouched',
      );
      const [copy] = store.keptCopies();
      assert.equal(copy?.reason, 'unreadable');
      assert.equal(copy?.providers, 2);
      assert.match(copy?.detail ?? '', /^providers\[1\]\.type/);
      assert.deepEqual(store.read(), { schemaVersion: 1, providers: [good], defaultProvider: 'openai' });
    });

    it('data that is not an object at all is kept as a copy, never dropped', async () => {
      const { kv, store, corruption } = setup();
      kv.data.set(REGISTRY_KEY, 'garbage');
      await store.check();
      assert.equal(corruption.length, 1);
      assert.deepEqual(
        store.keptCopies().map((copy) => [copy.key, copy.reason, copy.providers, copy.unrestorable]),
        [[corruption[0]!.backupKey, 'unreadable', 0, '(root): not an object']],
      );
      assert.deepEqual(store.read().providers, []);
    });

    it('data from a newer Switchboard, or with a version that is not a number, is opened read-only and never written over', async () => {
      const good = {
        id: 'openai',
        name: 'OpenAI',
        template: 'openai',
        type: 'openai',
        baseUrl: 'https://api.openai.com/v1',
        enabled: true,
        models: [],
        createdAt: 1,
        updatedAt: 1,
      };
      const cases = [
        {
          raw: {
            schemaVersion: 7,
            providers: [
              good,
              {
                id: 'next',
                name: 'Next',
                type: 'openai',
                baseUrl: 'https://x.example.com/v1',
                enabled: true,
                models: [],
                createdAt: 1,
                updatedAt: 1,
                somethingNew: true,
              },
            ],
            somethingNew: true,
          },
          readable: 1,
          problem: /saved by a newer Switchboard \(data format 7; this version reads up to 1\)/,
        },
        {
          raw: { schemaVersion: '2', providers: [good] },
          readable: 1,
          problem: /format version \(schemaVersion\) is not a version number/,
        },
        { raw: { providers: [] }, readable: 0, problem: /format version \(schemaVersion\) is missing/ },
      ];
      for (const { raw, readable, problem } of cases) {
        const { kv, store, corruption, registry } = setup();
        kv.data.set(REGISTRY_KEY, raw);
        const report = await store.check();
        assert.equal(report?.readable, readable);
        assert.match(report?.problem ?? '', problem);
        assert.deepEqual(corruption, [], 'nothing is set aside');
        assert.deepEqual(
          registry.list().map((entry) => entry.id),
          readable ? ['openai'] : [],
          'what can be read is usable',
        );
        await assert.rejects(
          registry.add({ template: 'custom', baseUrl: 'http://127.0.0.1:1/v1' }),
          (error: unknown) =>
            error instanceof RegistryReadOnlyError &&
            /open read-only, so nothing was changed/.test(error.message) &&
            /Restore Providers from a Kept Copy/.test(error.message),
        );
        if (readable) await assert.rejects(registry.setEnabled('openai', false), RegistryReadOnlyError);
        assert.deepEqual(kv.data.get(REGISTRY_KEY), raw, 'the original is untouched');
        assert.equal(
          [...kv.data.keys()].filter((key) => key.startsWith(REGISTRY_KEY)).length,
          1,
          'and nothing else was written',
        );
      }
    });

    it('a read-only registry records no connection test over the original', async () => {
      const { kv, registry } = setup();
      const raw = {
        schemaVersion: 2,
        providers: [
          {
            id: 'local',
            name: 'Local',
            template: 'custom',
            type: 'openai-compatible',
            baseUrl: 'http://127.0.0.1:9/v1',
            enabled: true,
            models: [],
            createdAt: 1,
            updatedAt: 1,
          },
        ],
      };
      kv.data.set(REGISTRY_KEY, raw);
      const report = await registry.testConnection('local');
      assert.equal(report.ok, false);
      assert.deepEqual(kv.data.get(REGISTRY_KEY), raw);
    });

    it('lists the kept copies (when, how many providers, why) and restores one, keeping what was in use first', async () => {
      const { kv, store, registry } = setup();
      const provider = (id: string) => ({
        id,
        name: id,
        type: 'openai-compatible',
        baseUrl: 'http://127.0.0.1:1/v1',
        enabled: true,
        models: [],
        createdAt: 1,
        updatedAt: 1,
      });
      // A copy an earlier version set aside (raw, under its old key), and the newer data now in use.
      kv.data.set(`${REGISTRY_KEY}.backup.1600000000000`, {
        schemaVersion: 1,
        providers: [provider('old-a'), provider('old-b'), { id: 'broken' }],
        defaultProvider: 'old-a',
      });
      const newer = { schemaVersion: 9, providers: [provider('mine')] };
      kv.data.set(REGISTRY_KEY, newer);
      assert.deepEqual(
        registry.keptCopies().map((copy) => [copy.at, copy.reason, copy.providers, copy.unrestorable]),
        [[1600000000000, 'earlier-version', 3, undefined]],
      );

      const restored = await registry.restore(`${REGISTRY_KEY}.backup.1600000000000`);
      assert.equal(restored.providers, 2);
      assert.ok(
        restored.problems.some((problem) => problem.startsWith('providers[2]')),
        restored.problems.join('\n'),
      );
      assert.deepEqual(
        registry.list().map((entry) => entry.id),
        ['old-a', 'old-b'],
      );
      assert.equal(registry.readOnly(), undefined, 'restored data is editable');
      assert.equal(registry.defaultProvider(), 'old-a');

      const copies = store.keptCopies();
      assert.deepEqual(
        copies.map((copy) => [copy.reason, copy.providers]),
        [
          ['before-restore', 1],
          ['earlier-version', 3],
        ],
        'newest first; the restored copy stays kept',
      );
      assert.deepEqual(kv.get<{ data: unknown }>(copies[0]!.key)?.data, newer, 'what was in use is kept as it was');
      assert.match(copies[0]!.unrestorable ?? '', /newer Switchboard/, 'and says why this version cannot restore it');
      await assert.rejects(
        registry.restore(copies[0]!.key),
        /cannot be restored: the data was saved by a newer Switchboard/,
      );
      assert.equal(registry.auditEntries()[0]?.action, 'restored');
    });
  });

  describe('keys', () => {
    it('masks keys the way the panel shows them', () => {
      assert.equal(maskKey('sk-proj-abcdefghijklmnopvX2Q'), 'sk-proj-…vX2Q');
      assert.equal(maskKey('sk-ant-api03-abcdefghijklmnop-Wx1z'), 'sk-ant-…Wx1z');
      assert.equal(maskKey('AIzaSyA-0123456789abcdefghijklmnopqrstu'), 'AIza…rstu');
      // An unknown shape shows nothing of its start: it may be meaningful.
      assert.equal(maskKey('acme-prod-0123456789abcdefWXYZ'), '…WXYZ');
      assert.equal(maskKey('short'), '…');
    });

    it('parses references to the environment and to commands', () => {
      assert.deepEqual(parseReference('${env:OPENAI_API_KEY}'), { kind: 'env', name: 'OPENAI_API_KEY' });
      assert.deepEqual(parseReference(' ${command:op read op://vault/openai/key} '), {
        kind: 'command',
        command: 'op read op://vault/openai/key',
      });
      assert.equal(parseReference('sk-plain'), undefined);
    });

    it('a key is only ever sent to the origin it was stored for', async () => {
      const { keys } = setup();
      await keys.set('openai', 'sk-proj-abcdefghijklmnopvX2Q', 'https://api.openai.com/v1');
      assert.deepEqual(await keys.lookup('openai', 'https://api.openai.com/v1/'), {
        status: 'ok',
        key: 'sk-proj-abcdefghijklmnopvX2Q',
      });
      assert.deepEqual(await keys.lookup('openai', 'https://evil.example/v1'), {
        status: 'origin-mismatch',
        storedFor: 'https://api.openai.com',
      });
      assert.deepEqual(await keys.state('openai'), {
        hasKey: true,
        mask: 'sk-proj-…vX2Q',
        origin: 'https://api.openai.com',
        reference: false,
      });
    });

    it('reads references when asked, and registers every key with the redactor', async () => {
      const { keys, redactor } = setup({ env: { MY_KEY: 'opaque-from-environment-123' } });
      await keys.set('a', '${env:MY_KEY}', 'https://h.example');
      assert.deepEqual(await keys.state('a'), {
        hasKey: true,
        mask: '${env:MY_KEY}',
        origin: 'https://h.example',
        reference: true,
      });
      assert.deepEqual(await keys.lookup('a', 'https://h.example'), {
        status: 'ok',
        key: 'opaque-from-environment-123',
      });
      assert.equal(redactor.redact('sent opaque-from-environment-123'), 'sent [REDACTED]');
      await keys.set('b', '${env:MISSING}', 'https://h.example');
      assert.deepEqual(await keys.lookup('b', 'https://h.example'), {
        status: 'unresolved',
        reference: '${env:MISSING}',
      });
    });

    it('stores one namespaced secret per provider, as JSON with the origin', async () => {
      const { keys, secrets } = setup();
      await keys.set('groq', '  gsk_0123456789abcdefghij  ', 'https://api.groq.com/openai/v1');
      assert.deepEqual([...secrets.data.keys()], ['provider:groq']);
      assert.deepEqual(JSON.parse(secrets.data.get('provider:groq')!), {
        v: 1,
        value: 'gsk_0123456789abcdefghij',
        origin: 'https://api.groq.com',
      });
      await keys.clear('groq');
      assert.equal(secrets.data.size, 0);
    });
  });

  describe('operations', () => {
    it('adds from a template with a readable id, becomes the default, and records it all', async () => {
      const { registry, audit, changes } = setup();
      const first = await registry.add({ template: 'openai' });
      const second = await registry.add({ template: 'openai', name: 'OpenAI (work)' });
      assert.deepEqual([first.id, second.id], ['openai', 'openai-work']);
      assert.equal(first.baseUrl, 'https://api.openai.com/v1');
      assert.equal(registry.defaultProvider(), 'openai');
      assert.deepEqual(
        audit.list().map((entry) => [entry.action, entry.providerId]),
        [
          ['provider-added', 'openai-work'],
          ['provider-added', 'openai'],
        ],
      );
      assert.deepEqual(changes, [{ type: 'providers' }, { type: 'providers' }]);
    });

    it('only the first provider adopts the default model, even when it was added without one', async () => {
      const { registry } = setup();
      const first = await registry.add({ template: 'openai' });
      const second = await registry.add({ template: 'anthropic' });
      assert.equal(await registry.adoptDefault(second.id, 'claude-sonnet-4-5'), false, 'a later provider');
      assert.deepEqual([registry.defaultProvider(), registry.defaultModel()], [first.id, undefined]);
      assert.equal(await registry.adoptDefault(first.id, 'gpt-4o'), true, 'the first, with no model yet');
      assert.deepEqual([registry.defaultProvider(), registry.defaultModel()], [first.id, 'gpt-4o']);
      assert.equal(await registry.adoptDefault(first.id, 'gpt-4o-mini'), false, 'a model chosen already stays');
      assert.equal(registry.defaultModel(), 'gpt-4o');
    });

    it("freeCall (the background checks'): OpenRouter's key status, another provider's model list", async () => {
      const { registry } = setup();
      const server = await serve((req, res) =>
        req.path.endsWith('/key')
          ? json(res, 200, { data: { label: 'test', limit: null, usage: 0 } })
          : json(res, 200, { object: 'list', data: [{ id: 'm', object: 'model' }] }),
      );
      const openRouter = await registry.add({
        template: 'openrouter',
        baseUrl: `${server.url}/api/v1`,
        apiKey: 'sk-or-v1-0123456789abcdef0123456789abcdef',
      });
      const custom = await registry.add({ template: 'custom', baseUrl: `${server.url}/v1` });
      await registry.freeCall(openRouter.id);
      await registry.freeCall(custom.id);
      assert.deepEqual(
        server.requests.map((request) => `${request.method} ${request.path}`),
        ['GET /api/v1/key', 'GET /v1/models'],
      );
    });

    it('refuses a template it does not know and a custom provider without a URL', async () => {
      const { registry } = setup();
      await assert.rejects(registry.add({ template: 'nope' }), /Unknown template "nope"/);
      await assert.rejects(registry.add({ template: 'custom' }), /needs a base URL/);
    });

    it('enable, disable, default model, update, remove (which clears the key)', async () => {
      const { registry, secrets, audit } = setup();
      const entry = await registry.add({ template: 'anthropic', apiKey: 'sk-ant-api03-0123456789abcdefghij' });
      await registry.setEnabled(entry.id, false);
      assert.equal(registry.get(entry.id)?.enabled, false);
      await registry.setDefault(entry.id, 'claude-sonnet-4-5');
      assert.equal(registry.get(entry.id)?.defaultModel, 'claude-sonnet-4-5');
      await registry.update(entry.id, { name: 'Claude' });
      assert.equal(registry.get(entry.id)?.name, 'Claude');
      await registry.remove(entry.id);
      assert.deepEqual(registry.list(), []);
      assert.equal(secrets.data.size, 0);
      assert.deepEqual(
        audit.list().map((item) => item.action),
        ['provider-removed', 'provider-updated', 'default-changed', 'provider-disabled', 'key-set', 'provider-added'],
      );
    });

    it('"clear all keys" also reaches keys of providers no longer listed', async () => {
      const { registry, keys, secrets } = setup();
      const entry = await registry.add({
        template: 'custom',
        name: 'Gone',
        baseUrl: 'http://127.0.0.1:1/v1',
        apiKey: 'orphan-key-0123456789',
      });
      // Declared in settings once, with a key, then removed from settings: the key is still stored.
      await keys.set('from-old-settings', 'settings-key-0123456789', 'https://llm.example.com');
      await registry.clearAllKeys();
      assert.equal(secrets.data.size, 0);
      assert.deepEqual(keys.storedIds(), []);
      assert.equal(registry.get(entry.id)?.id, entry.id, 'providers stay; only keys go');
    });

    it('the audit log keeps the last 1,000 events, newest first', async () => {
      const { audit } = setup();
      for (let i = 0; i < AUDIT_LIMIT + 5; i++) await audit.record('key-set', `p${i}`);
      const list = audit.list();
      assert.equal(list.length, AUDIT_LIMIT);
      assert.equal(list[0]?.providerId, `p${AUDIT_LIMIT + 4}`);
      assert.equal(list.at(-1)?.providerId, 'p5');
    });

    it("the audit log keeps entries it cannot show (a newer version's, say) when it writes", async () => {
      const { kv, audit } = setup();
      const fromNewer = { at: 5, action: 'provider-renamed', providerId: 'a', detail: 'x', actor: 'sync' };
      const damaged = { at: 'yesterday', action: 'key-set' };
      kv.data.set(AUDIT_KEY, [{ at: 1, action: 'provider-added', providerId: 'a' }, fromNewer, damaged]);
      assert.deepEqual(
        audit.list().map((entry) => entry.action),
        ['provider-added'],
        'shown: only what validates',
      );
      await audit.record('key-set', 'a');
      assert.deepEqual(kv.data.get(AUDIT_KEY), [
        { at: 1, action: 'provider-added', providerId: 'a' },
        fromNewer,
        damaged,
        { at: 1_700_000_000_000, action: 'key-set', providerId: 'a' },
      ]);
      assert.deepEqual(
        audit.list().map((entry) => entry.action),
        ['key-set', 'provider-added'],
      );
    });

    it('an audit log that is not a list at all is kept as a copy before a new one starts', async () => {
      const { kv, audit } = setup();
      kv.data.set(AUDIT_KEY, { entries: 'from somewhere else' });
      await audit.record('key-set', 'a');
      const kept = [...kv.data.keys()].filter((key) => key.startsWith(`${AUDIT_KEY}.kept.`));
      assert.equal(kept.length, 1);
      assert.deepEqual(kv.data.get(kept[0]!), { entries: 'from somewhere else' });
      assert.deepEqual(
        audit.list().map((entry) => entry.action),
        ['key-set'],
      );
    });

    it('canary: a recognisable key appears nowhere in stored state, audit log or errors', async () => {
      const canary = 'canary-key-7f3a9c1e5b2d8f4a6c0e';
      const server = await serve((_req, res) =>
        json(res, 401, { error: { message: `Incorrect API key provided: ${canary}`, code: 'invalid_api_key' } }),
      );
      const { registry, kv } = setup();
      const entry = await registry.add({ template: 'custom', name: 'Canary', baseUrl: server.url, apiKey: canary });
      await registry.setKey(entry.id, canary);
      await registry.testConnection(entry.id, { model: 'm' });
      const failed = await collectUntilError(registry.providerFor(entry.id).chat({ model: 'm', messages: [] }));
      await registry.setEnabled(entry.id, false);
      assert.ok(server.requests.length >= 2, 'the key was used');
      assert.ok(!`${failed.error.message} ${failed.error.providerMessage}`.includes(canary), failed.error.message);
      assert.ok(!JSON.stringify([...kv.data.entries()]).includes(canary), 'globalState holds no key');
      assert.ok(
        registry.get(entry.id)?.lastTest?.summary.includes('[REDACTED]'),
        registry.get(entry.id)?.lastTest?.summary,
      );
    });
  });

  describe('declared providers (settings and the workspace file)', () => {
    it("are listed with their source, usable with a key, read-only, and give way to the user's own entry", async () => {
      const server = await serve((_req, res) => sse(res, STREAM));
      const { registry, changes } = setup();
      const declared = (id: string, name: string) => ({
        id,
        name,
        type: 'openai-compatible' as const,
        baseUrl: `${server.url}/v1`,
        enabled: true,
        models: [],
        createdAt: 0,
        updatedAt: 0,
      });
      registry.setDeclared({
        settings: [declared('team', 'From settings')],
        workspace: [declared('team', 'From workspace'), declared('shared', 'Workspace only')],
      });
      assert.deepEqual(
        registry.list().map((entry) => [entry.id, entry.name, entry.source, entry.readOnly]),
        [
          ['team', 'From settings', 'settings', true],
          ['shared', 'Workspace only', 'workspace', true],
        ],
      );
      assert.deepEqual(changes.at(-1), { type: 'providers' });
      await assert.rejects(
        registry.update('shared', { name: 'x' }),
        /declared in the workspace file \.vscode\/switchboard\.json; change it there/,
      );
      await registry.setKey('shared', 'team-key-0123456789');
      assert.equal(textOf(await collect(registry.providerFor('shared').chat({ model: 'm', messages: [] }))), 'ok');
      assert.equal(server.requests[0]?.headers.authorization, 'Bearer team-key-0123456789');
      const mine = await registry.add({ template: 'custom', name: 'Team', baseUrl: 'http://127.0.0.1:1/v1' });
      assert.equal(mine.id, 'team-2', 'a new id never collides with a declared one');
      // A declared provider can be the default; its model is remembered at the root, not on the read-only entry.
      await registry.setDefault('shared', 'team-model');
      assert.deepEqual(
        [registry.defaultProvider(), registry.defaultModel(), registry.get('shared')?.defaultModel],
        ['shared', 'team-model', undefined],
      );
      await registry.setDefault(mine.id, 'mine-model');
      assert.deepEqual([registry.defaultModel(), registry.get(mine.id)?.defaultModel], ['mine-model', 'mine-model']);
      await registry.remove(mine.id);
      assert.equal(
        registry.defaultModel(),
        undefined,
        "a removed default provider's model is not the default any more",
      );
    });
  });

  describe('providers built from entries', () => {
    it('read the key at request time: a changed key reaches the very next request', async () => {
      const server = await serve((_req, res) => sse(res, STREAM));
      const { registry } = setup();
      const entry = await registry.add({
        template: 'custom',
        name: 'Local',
        baseUrl: `${server.url}/v1`,
        apiKey: 'first-key-0123456789',
      });
      const provider = registry.providerFor(entry.id);
      assert.equal(
        textOf(await collect(provider.chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }))),
        'ok',
      );
      await registry.setKey(entry.id, 'second-key-0123456789');
      await collect(provider.chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }));
      assert.deepEqual(
        server.requests.map((req) => req.headers.authorization),
        ['Bearer first-key-0123456789', 'Bearer second-key-0123456789'],
      );
    });

    it("apply the user's per-model settings unless the request sets its own", async () => {
      const server = await serve((_req, res) => sse(res, STREAM));
      const { registry } = setup();
      const entry = await registry.add({ template: 'custom', name: 'Local', baseUrl: `${server.url}/v1` });
      await registry.update(entry.id, {
        models: [{ id: 'thinker', reasoningEffort: 'high', extraBody: { seed: 1, top_p: 0.5 } }],
      });
      await collect(registry.providerFor(entry.id).chat({ model: 'thinker', messages: [] }));
      await collect(
        registry.providerFor(entry.id).chat({
          model: 'thinker',
          messages: [],
          providerOptions: { reasoningEffort: 'low', extraBody: { seed: 2 } },
        }),
      );
      await collect(registry.providerFor(entry.id).chat({ model: 'other', messages: [] }));
      const bodies = server.requests.map((req) => JSON.parse(req.body) as Record<string, unknown>);
      assert.deepEqual(
        bodies.map((body) => [body.reasoning_effort, body.seed, body.top_p]),
        [
          ['high', 1, 0.5],
          ['low', 2, 0.5],
          [undefined, undefined, undefined],
        ],
      );
    });

    it('never send a key to a host it was not stored for; a missing key is said plainly', async () => {
      const server = await serve((_req, res) => sse(res, STREAM));
      const { registry } = setup();
      const entry = await registry.add({ template: 'openai', apiKey: 'sk-proj-abcdefghijklmnop0000' });
      await registry.update(entry.id, { baseUrl: `${server.url}/v1` });
      const moved = await collectUntilError(registry.providerFor(entry.id).chat({ model: 'm', messages: [] }));
      assert.equal(moved.error.code, 'key_origin_mismatch');
      assert.match(
        moved.error.message,
        /was saved for https:\/\/api\.openai\.com, but the provider now points at http:\/\/127\.0\.0\.1:\d+/,
      );
      assert.equal(server.requests.length, 0, 'nothing was sent');

      const bare = await registry.add({ template: 'deepseek' });
      const missing = await collectUntilError(registry.providerFor(bare.id).chat({ model: 'm', messages: [] }));
      assert.ok(missing.error instanceof ProviderError);
      assert.deepEqual(
        [missing.error.kind, missing.error.code, missing.error.message],
        ['invalid_credentials', 'key_missing', 'DeepSeek has no API key yet.'],
      );
    });

    it('test connection runs the connection test with the stored key and records the result', async () => {
      const server = await serve((req, res) =>
        req.path.endsWith('/models') ? json(res, 200, { data: [{ id: 'm' }] }) : sse(res, STREAM),
      );
      const { registry } = setup();
      const entry = await registry.add({
        template: 'custom',
        name: 'Local',
        baseUrl: `${server.url}/v1`,
        apiKey: 'local-key-0123456789',
      });
      const report = await registry.testConnection(entry.id, { model: 'm' });
      assert.equal(report.ok, true);
      assert.equal(server.requests[0]?.headers.authorization, 'Bearer local-key-0123456789');
      assert.deepEqual(
        registry.get(entry.id)?.lastTest && {
          ok: registry.get(entry.id)!.lastTest!.ok,
          summary: registry.get(entry.id)!.lastTest!.summary,
        },
        { ok: true, summary: 'All stages passed.' },
      );
    });

    it('refreshes models from the provider, completed from the catalog', async () => {
      const server = await serve((_req, res) =>
        json(res, 200, {
          data: [{ id: 'claude-sonnet-4-20250514', display_name: 'Claude Sonnet 4' }],
          has_more: false,
        }),
      );
      const { registry } = setup();
      const entry = await registry.add({
        template: 'anthropic',
        baseUrl: server.url,
        apiKey: 'sk-ant-api03-0123456789abcdefghij',
      });
      const [model] = await registry.refreshModels(entry.id);
      assert.deepEqual(model, {
        id: 'claude-sonnet-4-20250514',
        name: 'Claude Sonnet 4',
        contextWindow: 200000,
        maxOutputTokens: 64000,
        capabilities: { tools: true, vision: true, reasoning: true },
        sources: { name: 'provider', contextWindow: 'catalog', maxOutputTokens: 'catalog', capabilities: 'catalog' },
      });
    });
  });

  it('describes the models in use that a long Ollama list leaves bare, and asks nothing about the rest', async () => {
    const shown: string[] = [];
    const server = await serve((req, res) => {
      if (req.path === '/api/tags')
        return json(res, 200, { models: Array.from({ length: 200 }, (_, i) => tagsEntry(`model-${i}`)) });
      if (req.path === '/api/show') {
        const name = (JSON.parse(req.body) as { model: string }).model;
        shown.push(name);
        return json(res, 200, showCurrent('llama', name === 'model-150' ? 32_768 : 8_192, ['completion']));
      }
      return json(res, 404, {});
    });
    const { registry } = setup();
    const entry = await registry.add({ template: 'ollama', baseUrl: server.url });
    await registry.update(entry.id, { models: [{ id: 'model-150' }], defaultModel: 'model-150' });
    const models = await registry.refreshModels(entry.id);
    assert.equal(models.length, 200);
    assert.equal(models.find((model) => model.id === 'model-150')?.contextWindow, 32_768);
    assert.equal(models.find((model) => model.id === 'model-151')?.contextWindow, undefined);
    assert.ok(
      shown.length <= 33 && shown.includes('model-150') && !shown.includes('model-151'),
      `${shown.length} shows`,
    );
  });
});
