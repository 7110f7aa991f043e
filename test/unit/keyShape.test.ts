import assert from 'node:assert/strict';
import { Redactor } from '../../src/core';
import { AuditLog } from '../../src/core/registry/audit';
import { KeyStore } from '../../src/core/registry/keys';
import { KEY_IN_BASE_URL, KEY_IN_HEADER, looksLikeKey, urlHoldsKey } from '../../src/core/registry/keyShape';
import { declaredProvider, exportRegistry, parseExport, parseWorkspaceFile } from '../../src/core/registry/portable';
import { Registry } from '../../src/core/registry/registry';
import { checkBaseUrl, type ProviderEntry } from '../../src/core/registry/schema';
import { REGISTRY_KEY, RegistryError, RegistryStore } from '../../src/core/registry/store';
import { parseMessage, webviewToHost } from '../../src/shared/protocol';
import { MemoryKeyValueStore, MemorySecretStore } from '../support/memoryStores';

// Shaped like real keys (prefix and random tail), valid for nothing.
const OPENAI = 'sk-proj-Q7vX2mK9pL4tR8wZ3nB6cF1d';
const GEMINI = 'AIzaSyD4x9Kq2LmN7pR3sT8vW1yZ5bC6dE0fGhJ';
const RANDOM = 'Zx8Kq2Lm9Np4Rs7Tv1Wy3Ab6Cd0Ef5GhJ2kM';

const entry = (extra: Partial<ProviderEntry> = {}): ProviderEntry => ({
  id: 'p',
  name: 'P',
  type: 'openai-compatible',
  baseUrl: 'https://gateway.example.com/v1',
  enabled: true,
  models: [],
  createdAt: 1,
  updatedAt: 1,
  ...extra,
});
const exportText = (providers: unknown[]) =>
  JSON.stringify({ format: 'switchboard.providers', version: 1, exportedAt: 'x', providers });

function registry() {
  const kv = new MemoryKeyValueStore();
  const store = new RegistryStore(kv, () => undefined);
  return {
    kv,
    registry: new Registry({
      store,
      keys: new KeyStore(new MemorySecretStore(), new Redactor(), () => Promise.resolve(undefined), kv),
      audit: new AuditLog(kv),
      fetch: globalThis.fetch,
    }),
  };
}

describe('key-shaped values in plain configuration', () => {
  it('finds keys in base URLs: query parameters, user info, vendor prefixes, long random tokens', () => {
    for (const url of [
      `https://generativelanguage.googleapis.com/v1beta/openai?key=${GEMINI}`,
      'https://x.openai.azure.com/openai?api-version=2024-10-21&api-key=abc123',
      'https://proxy.example.com/v1?token=short',
      'https://proxy.example.com/v1?access_token=whatever',
      'https://user:hunter2@proxy.example.com/v1',
      `https://${OPENAI}@proxy.example.com/v1`,
      `https://proxy.example.com/${OPENAI}/v1`,
      `https://proxy.example.com/v1?auth=${encodeURIComponent(`Bearer ${OPENAI}`)}`,
      `https://proxy.example.com/v1/${RANDOM}`,
      `https://proxy.example.com/v1#k=${RANDOM}`,
      'https://proxy.example.com/v1?X-API-KEY=gsk_abcdefghijklmnop1234',
      // Found by a review: a key inside a longer segment or value, behind a bad escape, a hex key as the
      // user, and credential parameters under other names.
      `https://proxy.example.com/v1;key=${OPENAI}`,
      `https://proxy.example.com/key:${OPENAI}`,
      `https://proxy.example.com/Bearer%20${OPENAI}`,
      `https://proxy.example.com/v1?q=${OPENAI},x`,
      `https://proxy.example.com/${OPENAI}%zz`,
      'https://0123456789abcdef0123456789abcdef@proxy.example.com/v1',
      'https://proxy.example.com/v1?api_token=0123456789abcdef0123456789abcdef',
      'https://proxy.example.com/v1?client_secret=s3cr3t',
    ]) {
      assert.equal(urlHoldsKey(url), true, url);
    }
  });

  it('leaves ordinary base URLs alone: resource names, versions, account ids, UUIDs, deployments', () => {
    for (const url of [
      'https://api.openai.com/v1',
      'https://my-resource.openai.azure.com/openai/deployments/gpt-4o-2024-08-06?api-version=2024-10-21',
      'https://gateway.ai.cloudflare.com/v1/0123456789abcdef0123456789abcdef/my-gateway/openai',
      'https://x.services.ai.azure.com/api/projects/3f2a9c1e-8b7d-4e6f-a5c4-1b2d3e4f5a6b',
      'http://127.0.0.1:11434',
      'https://us-central1-aiplatform.googleapis.com/v1/projects/my-project-123/locations/us-central1/endpoints/openapi',
      'https://openrouter.ai/api/v1',
      'https://api.fireworks.ai/inference/v1',
      'https://proxy.example.com/v1?region=eu&keyspace=',
      'https://skill-sharing-service.example.com/v1',
      'https://proxy.example.com/v1?key=',
    ]) {
      assert.equal(urlHoldsKey(url), false, url);
    }
  });

  it('finds keys in header values, and leaves ordinary ones alone', () => {
    for (const value of [
      OPENAI,
      `Bearer ${RANDOM}`,
      `Basic ${Buffer.from('me:pw123456').toString('base64')}`,
      GEMINI,
      'xai-0123456789abcdefABCDEF',
      `https://x.example.com/?key=${GEMINI}`,
    ]) {
      assert.equal(looksLikeKey(value), true, value);
    }
    for (const value of [
      '2023-06-01',
      'application/json',
      'https://myapp.example.com',
      'My App',
      'org-AbCdEf123456GhIjKlMn7890',
      'proj_abc123',
      'true',
      'gpt-4o-2024-08-06',
      '0123456789abcdef0123456789abcdef',
    ]) {
      assert.equal(looksLikeKey(value), false, value);
    }
  });

  it('an import holding a key in a base URL or a header value is refused, the key never echoed', () => {
    const inUrl = parseExport(
      exportText([entry({ baseUrl: `https://generativelanguage.googleapis.com/v1beta/openai?key=${GEMINI}` })]),
      'team.json',
    );
    assert.deepEqual(inUrl, { ok: false, errors: [`team.json: providers[0].baseUrl: ${KEY_IN_BASE_URL}`] });
    const inHeader = parseExport(exportText([entry({ headers: { 'X-Custom': `Bearer ${OPENAI}` } })]), 'team.json');
    assert.deepEqual(inHeader, { ok: false, errors: [`team.json: providers[0].headers.X-Custom: ${KEY_IN_HEADER}`] });
    assert.match(KEY_IN_BASE_URL, /Switchboard: Set API Key/);
    assert.ok(
      ![...(inUrl.ok ? [] : inUrl.errors), ...(inHeader.ok ? [] : inHeader.errors)].some(
        (error) => error.includes(GEMINI) || error.includes(OPENAI),
      ),
    );
  });

  it('settings and the workspace file refuse them too', () => {
    const setting = declaredProvider.safeParse({
      id: 'team',
      template: 'openai',
      baseUrl: `https://proxy.example.com/v1?api_key=${RANDOM}`,
    });
    assert.equal(setting.success, false);
    assert.deepEqual(
      setting.error?.issues.map((issue) => [issue.path.join('.'), issue.message]),
      [['baseUrl', KEY_IN_BASE_URL]],
    );
    const file = parseWorkspaceFile(
      JSON.stringify({ providers: [{ id: 'team', template: 'openai', headers: { 'X-Gateway-Route': OPENAI } }] }),
      '.vscode/switchboard.json',
    );
    assert.deepEqual(file, {
      ok: false,
      errors: [`.vscode/switchboard.json: providers[0].headers.X-Gateway-Route: ${KEY_IN_HEADER}`],
    });
    assert.equal(
      parseWorkspaceFile(
        JSON.stringify({
          providers: [
            {
              id: 'team',
              template: 'openai',
              headers: { 'HTTP-Referer': 'https://myapp.example.com', 'X-Title': 'My App' },
            },
          ],
        }),
        'w.json',
      ).ok,
      true,
    );
  });

  it('the palette and the panel refuse them as they are typed', () => {
    assert.equal(checkBaseUrl(`https://proxy.example.com/v1?key=${GEMINI}`), KEY_IN_BASE_URL);
    assert.equal(checkBaseUrl('ftp://x'), 'Enter an http(s) URL.');
    assert.equal(checkBaseUrl('https://my-resource.openai.azure.com/openai'), undefined);
    for (const name of ['testDraft', 'addProvider']) {
      const params = {
        template: 'gemini',
        baseUrl: `https://generativelanguage.googleapis.com/v1beta/openai?key=${GEMINI}`,
        ...(name === 'addProvider' ? { models: [] } : {}),
      };
      const parsed = parseMessage(webviewToHost, { type: 'request', id: 1, name, params });
      assert.deepEqual(parsed, { ok: false, error: `params.baseUrl: ${KEY_IN_BASE_URL}` });
    }
  });

  it('the registry refuses them on add and on edit, and writes nothing', async () => {
    const { kv, registry: providers } = registry();
    await assert.rejects(
      providers.add({ template: 'custom', baseUrl: `https://proxy.example.com/v1?key=${GEMINI}` }),
      (error: unknown) => error instanceof RegistryError && error.message === `baseUrl: ${KEY_IN_BASE_URL}`,
    );
    await assert.rejects(
      providers.add({ template: 'custom', baseUrl: 'https://proxy.example.com/v1', headers: { 'X-Custom': OPENAI } }),
      (error: unknown) => error instanceof RegistryError && error.message === `headers.X-Custom: ${KEY_IN_HEADER}`,
    );
    assert.equal(kv.data.has(REGISTRY_KEY), false);
    const added = await providers.add({ template: 'custom', baseUrl: 'https://proxy.example.com/v1' });
    await assert.rejects(
      providers.update(added.id, { baseUrl: `https://u:${RANDOM}@proxy.example.com/v1` }),
      RegistryError,
    );
    assert.equal(providers.get(added.id)?.baseUrl, 'https://proxy.example.com/v1');
  });

  it('a provider stored with a key in its URL before this check stays in use, and can be fixed, but is not exported', async () => {
    const { kv, registry: providers } = registry();
    const legacy = entry({ baseUrl: `https://proxy.example.com/v1?key=${GEMINI}` });
    kv.data.set(REGISTRY_KEY, { schemaVersion: 1, providers: [legacy] });
    assert.deepEqual(
      providers.list().map((item) => item.id),
      ['p'],
    );
    assert.throws(
      () => exportRegistry(providers.state()),
      (error: unknown) =>
        error instanceof RegistryError && error.message === `providers[0].baseUrl: ${KEY_IN_BASE_URL}`,
    );
    await providers.update('p', { name: 'Renamed' });
    await providers.update('p', { baseUrl: 'https://proxy.example.com/v1' });
    assert.ok(exportRegistry(providers.state()).includes('"baseUrl": "https://proxy.example.com/v1"'));
  });
});
