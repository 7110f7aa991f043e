// The settings a real provider needs, each seen on the wire by a loopback server: secret headers
// (kept in secret storage, bound to the origin, redacted), plain headers, OpenAI organization and
// project, default sampling, timeouts, and a CA bundle for a self-signed https server.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Redactor } from '../../src/core';
import { AuditLog } from '../../src/core/registry/audit';
import { KeyStore } from '../../src/core/registry/keys';
import { declaredProvider, resolveDeclared } from '../../src/core/registry/portable';
import { Registry } from '../../src/core/registry/registry';
import { RegistryStore } from '../../src/core/registry/store';
import { collect, collectUntilError, useServers } from '../support/chat';
import { dataEvents, json, sse } from '../support/loopback';
import { MemoryKeyValueStore, MemorySecretStore } from '../support/memoryStores';
import { selfSignedServer, type SelfSignedServer } from '../support/selfSigned';
import { finishChunk, OPENAI_USAGE, textDelta, usageChunk } from '../fixtures/openaiWire';

const STREAM = dataEvents([textDelta('ok'), finishChunk('stop'), usageChunk(OPENAI_USAGE), '[DONE]']);
const GATEWAY_TOKEN = 'gw-7f3a9c1e5b2d4f6a8c0e2b4d6f8a1c3e';

function setup(readFile?: (path: string) => Promise<string>) {
  const kv = new MemoryKeyValueStore();
  const secrets = new MemorySecretStore();
  const redactor = new Redactor();
  const keys = new KeyStore(secrets, redactor, () => Promise.resolve(undefined), kv);
  const registry = new Registry({
    store: new RegistryStore(kv, () => undefined),
    keys,
    audit: new AuditLog(kv),
    fetch: globalThis.fetch,
    ...(readFile ? { readFile } : {}),
  });
  return { registry, secrets, redactor };
}

const ask = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }] };

describe('provider settings on the wire', () => {
  const serve = useServers();

  it('secret and plain headers, organization and project reach the server; the secret is only in secret storage, masked, and redacted', async () => {
    const server = await serve((req, res) =>
      req.path === '/v1/models'
        ? json(res, 401, { error: { message: `bad token ${GATEWAY_TOKEN}` } })
        : sse(res, STREAM),
    );
    const { registry, secrets, redactor } = setup();
    const entry = await registry.add({ template: 'custom', baseUrl: `${server.url}/v1` });
    await registry.update(entry.id, {
      headers: { 'OpenAI-Organization': 'org-team', 'OpenAI-Project': 'proj_abc', 'X-Route': 'eu' },
    });
    await registry.setSecretHeaders(entry.id, [{ name: 'X-Gateway-Token', value: GATEWAY_TOKEN }]);
    await collect(registry.providerFor(entry.id).chat(ask));
    const sent = server.requests[0]!.headers;
    assert.equal(sent['x-gateway-token'], GATEWAY_TOKEN);
    assert.deepEqual(
      [sent['openai-organization'], sent['openai-project'], sent['x-route']],
      ['org-team', 'proj_abc', 'eu'],
    );

    // Stored as a name on the entry, the value only in secret storage; shown as a mask.
    const stored = registry.get(entry.id)!;
    assert.deepEqual(stored.secretHeaders, ['X-Gateway-Token']);
    assert.ok(!JSON.stringify(registry.state()).includes(GATEWAY_TOKEN));
    assert.ok([...secrets.data.values()].some((value) => value.includes(GATEWAY_TOKEN)));
    assert.deepEqual(await registry.secretHeaderMasks(entry.id), { 'X-Gateway-Token': '…1c3e' });
    // The server's error echoes it: the error shows no secret, and the redactor knows it.
    const listed = await registry.refreshModels(entry.id).catch((error: Error) => error);
    assert.ok(listed instanceof Error);
    assert.ok(!listed.message.includes(GATEWAY_TOKEN), listed.message);
    assert.equal(redactor.redact(`x ${GATEWAY_TOKEN}`).includes(GATEWAY_TOKEN), false);

    // Kept when saved again without its value; a name without a stored value is refused.
    await registry.setSecretHeaders(entry.id, [{ name: 'X-Gateway-Token' }]);
    await collect(registry.providerFor(entry.id).chat(ask));
    assert.equal(server.requests.at(-1)!.headers['x-gateway-token'], GATEWAY_TOKEN);
    await assert.rejects(
      registry.setSecretHeaders(entry.id, [{ name: 'Authorization' }]),
      /secretHeaders\.Authorization: enter its value/,
    );
  });

  it('a secret header is bound to the origin it was saved for: pointed elsewhere, it is not sent', async () => {
    const first = await serve((_req, res) => sse(res, STREAM));
    const second = await serve((_req, res) => sse(res, STREAM));
    const { registry } = setup();
    const entry = await registry.add({ template: 'custom', baseUrl: `${first.url}/v1` });
    await registry.setSecretHeaders(entry.id, [{ name: 'Authorization', value: `Bearer ${GATEWAY_TOKEN}` }]);
    await registry.update(entry.id, { baseUrl: `${second.url}/v1` });
    const { error } = await collectUntilError(registry.providerFor(entry.id).chat(ask));
    assert.equal(error.code, 'key_origin_mismatch');
    assert.equal(second.requests.length, 0);
  });

  it('a key-shaped value in a plain header is refused; settings may declare CA bundle, timeouts and sampling, never secret headers', async () => {
    const { registry } = setup();
    const entry = await registry.add({ template: 'custom', baseUrl: 'http://127.0.0.1:9/v1' });
    await assert.rejects(
      registry.update(entry.id, { headers: { 'X-Route': 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789' } }),
      /headers\.X-Route: This looks like an API key/,
    );
    const declared = declaredProvider.parse({
      id: 'gw',
      template: 'custom',
      baseUrl: 'https://gw.example/v1',
      caBundlePath: '/etc/ssl/gw.pem',
      timeouts: { firstByteMs: 30_000 },
      sampling: { temperature: 0.2 },
    });
    const resolved = resolveDeclared([declared], 'settings');
    assert.ok(resolved.ok);
    assert.deepEqual(
      [resolved.value[0]!.caBundlePath, resolved.value[0]!.timeouts, resolved.value[0]!.sampling],
      ['/etc/ssl/gw.pem', { firstByteMs: 30_000 }, { temperature: 0.2 }],
    );
    assert.equal(declaredProvider.safeParse({ id: 'gw', secretHeaders: ['X-Token'] }).success, false);
    assert.equal(declaredProvider.safeParse({ id: 'gw', sampling: { temperature: 5 } }).success, false);
  });

  it('default sampling fills what a request leaves out; what it sets wins', async () => {
    const server = await serve((_req, res) => sse(res, STREAM));
    const { registry } = setup();
    const entry = await registry.add({ template: 'custom', baseUrl: `${server.url}/v1` });
    await registry.update(entry.id, {
      sampling: { temperature: 0.3, topP: 0.9, frequencyPenalty: 0.5, presencePenalty: -0.5, maxOutputTokens: 321 },
    });
    await collect(registry.providerFor(entry.id).chat(ask));
    await collect(registry.providerFor(entry.id).chat({ ...ask, temperature: 1, maxTokens: 7 }));
    const [defaults, own] = server.requests.map((request) => JSON.parse(request.body) as Record<string, unknown>);
    assert.deepEqual(
      [
        defaults!.temperature,
        defaults!.top_p,
        defaults!.frequency_penalty,
        defaults!.presence_penalty,
        defaults!.max_tokens,
      ],
      [0.3, 0.9, 0.5, -0.5, 321],
    );
    assert.deepEqual([own!.temperature, own!.max_tokens, own!.top_p], [1, 7, 0.9]);
  });

  it('the first-byte timeout set on the provider ends a request that gets no answer', async () => {
    const server = await serve(() => undefined);
    const { registry } = setup();
    const entry = await registry.add({ template: 'custom', baseUrl: `${server.url}/v1` });
    await registry.update(entry.id, { timeouts: { firstByteMs: 1000 } });
    const started = Date.now();
    const { error } = await collectUntilError(registry.providerFor(entry.id).chat(ask));
    assert.equal(error.kind, 'timeout');
    assert.ok(Date.now() - started < 5000, `${Date.now() - started} ms`);
  });

  describe('CA bundle', () => {
    let tls: SelfSignedServer;
    let url: string;
    before(async () => {
      tls = await selfSignedServer((req, res) => {
        req.resume();
        req.on('end', () => void sse(res, STREAM));
      });
      url = `${tls.url}/v1`;
    });
    after(() => tls.close());

    it('a self-signed server is trusted through the provider CA bundle path, and only then', async () => {
      const read: string[] = [];
      const { registry } = setup((path) => {
        read.push(path);
        return Promise.resolve(readFileSync(path, 'utf8'));
      });
      const entry = await registry.add({ template: 'custom', baseUrl: url });
      const untrusted = await collectUntilError(registry.providerFor(entry.id).chat(ask));
      assert.equal(untrusted.error.kind, 'network');
      await registry.update(entry.id, { caBundlePath: tls.certPath });
      await collect(registry.providerFor(entry.id).chat(ask));
      assert.deepEqual(read, [tls.certPath]);
    });
  });
});
