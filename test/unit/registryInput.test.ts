import assert from 'node:assert/strict';
import { Redactor } from '../../src/core';
import { AuditLog } from '../../src/core/registry/audit';
import { KeyStore } from '../../src/core/registry/keys';
import { declaredProvider, parseExport, parseWorkspaceFile } from '../../src/core/registry/portable';
import type { ProviderPatch } from '../../src/core/registry/input';
import { Registry } from '../../src/core/registry/registry';
import { REGISTRY_KEY, RegistryError, RegistryStore } from '../../src/core/registry/store';
import { parseMessage, webviewToHost } from '../../src/shared/protocol';
import { useServers } from '../support/chat';
import { json } from '../support/loopback';
import { MemoryKeyValueStore, MemorySecretStore } from '../support/memoryStores';

function setup() {
  const kv = new MemoryKeyValueStore();
  const store = new RegistryStore(kv, () => undefined);
  const registry = new Registry({
    store,
    keys: new KeyStore(new MemorySecretStore(), new Redactor(), () => Promise.resolve(undefined), kv),
    audit: new AuditLog(kv),
    fetch: globalThis.fetch,
  });
  return { kv, registry };
}

// U+0001 is the separator usage and budget keys join a provider and a model id with.
const SMUGGLED = 'gpt-4o\u0001mini';

describe('registry input', () => {
  const serve = useServers();

  describe('a patch copies only the fields a provider has', () => {
    it('a __proto__ key (as JSON.parse makes one) injects nothing', async () => {
      const { kv, registry } = setup();
      const entry = await registry.add({ template: 'custom', name: 'Local', baseUrl: 'http://127.0.0.1:1/v1' });
      const patch = JSON.parse(
        '{"name": "Renamed", "__proto__": {"caBundlePath": "/tmp/attacker.pem", "headers": {"X-Injected": "1"}, "enabled": false}}',
      ) as ProviderPatch;
      await registry.update(entry.id, patch);
      const updated = registry.get(entry.id)!;
      assert.equal(updated.name, 'Renamed');
      assert.equal(updated.caBundlePath, undefined);
      assert.equal(updated.headers, undefined);
      assert.equal(updated.enabled, true);
      const stored = kv.get<{ providers: Array<Record<string, unknown>> }>(REGISTRY_KEY)!.providers[0]!;
      assert.deepEqual(Object.keys(stored).sort(), [
        'baseUrl',
        'createdAt',
        'enabled',
        'id',
        'models',
        'name',
        'template',
        'type',
        'updatedAt',
      ]);
      assert.equal(registry.auditEntries()[0]?.detail, 'name');
    });

    it('fields that are not editable are ignored; a field set to undefined is cleared', async () => {
      const { registry } = setup();
      const entry = await registry.add({
        template: 'azure-openai',
        baseUrl: 'https://res.openai.azure.com',
        apiVersion: '2024-10-21',
      });
      await registry.update(entry.id, { id: 'hijacked', createdAt: 0, apiVersion: undefined } as ProviderPatch);
      const updated = registry.get(entry.id)!;
      assert.equal(updated.id, entry.id);
      assert.equal(updated.createdAt, entry.createdAt);
      assert.equal('apiVersion' in updated, false);
    });
  });

  describe('model ids: no control characters, at most 200 characters, named where they are refused', () => {
    it('settings, the workspace file and import', () => {
      const setting = declaredProvider.safeParse({
        id: 'team',
        template: 'openai',
        models: [{ id: SMUGGLED }],
        defaultModel: SMUGGLED,
      });
      assert.deepEqual(
        setting.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
        ['models.0.id: must not hold control characters', 'defaultModel: must not hold control characters'],
      );

      const file = parseWorkspaceFile(
        JSON.stringify({
          providers: [{ id: 'team', template: 'openai' }],
          fallback: [{ provider: 'team', model: 'x\u0085y' }],
        }),
        'w.json',
      );
      assert.deepEqual(file, { ok: false, errors: ['w.json: fallback[0].model: must not hold control characters'] });

      const provider = {
        id: 'p',
        name: 'P',
        type: 'openai',
        baseUrl: 'https://api.openai.com/v1',
        enabled: true,
        models: [{ id: 'x'.repeat(201) }, { id: '' }],
        createdAt: 1,
        updatedAt: 1,
      };
      const imported = parseExport(
        JSON.stringify({ format: 'switchboard.providers', version: 1, exportedAt: 'x', providers: [provider] }),
        'f.json',
      );
      assert.deepEqual(imported, {
        ok: false,
        errors: [
          'f.json: providers[0].models[0].id: must be at most 200 characters',
          'f.json: providers[0].models[1].id: must not be empty',
        ],
      });
    });

    it('the panel', () => {
      for (const [name, params] of [
        ['setDefault', { providerId: 'p', modelId: SMUGGLED }],
        [
          'saveOverrides',
          {
            providerId: 'p',
            modelId: SMUGGLED,
            contextWindow: null,
            maxOutputTokens: null,
            input: null,
            output: null,
            cachedInput: null,
          },
        ],
        ['addProvider', { template: 'openai', baseUrl: 'https://api.openai.com/v1', models: [SMUGGLED] }],
        ['saveFallback', { steps: [{ provider: 'p', model: SMUGGLED }] }],
      ] as const) {
        const parsed = parseMessage(webviewToHost, { type: 'request', id: 1, name, params });
        assert.equal(parsed.ok, false, name);
        assert.match(parsed.ok ? '' : parsed.error, /: must not hold control characters$/, name);
      }
    });

    it('the registry (the palette and the panel reach it): models and the default model', async () => {
      const { registry } = setup();
      const entry = await registry.add({ template: 'custom', baseUrl: 'http://127.0.0.1:1/v1' });
      await assert.rejects(
        registry.update(entry.id, { models: [{ id: SMUGGLED }] }),
        (error: unknown) =>
          error instanceof RegistryError && error.message === 'models[0].id: must not hold control characters',
      );
      await assert.rejects(
        registry.setDefault(entry.id, SMUGGLED),
        (error: unknown) =>
          error instanceof RegistryError && error.message === 'defaultModel: must not hold control characters',
      );
      assert.deepEqual(registry.get(entry.id)?.models, []);
      assert.equal(registry.defaultModel(), undefined);
    });

    it("a provider's model list: an id that could not be chosen is not offered", async () => {
      const server = await serve((_req, res) =>
        json(res, 200, { data: [{ id: 'good-model' }, { id: SMUGGLED }, { id: 'tab\there' }] }),
      );
      const { registry } = setup();
      const entry = await registry.add({ template: 'custom', baseUrl: `${server.url}/v1` });
      assert.deepEqual(
        (await registry.refreshModels(entry.id)).map((model) => model.id),
        ['good-model'],
      );
    });
  });
});
