import assert from 'node:assert/strict';
import { Redactor } from '../../src/core';
import { AuditLog } from '../../src/core/registry/audit';
import { KeyStore } from '../../src/core/registry/keys';
import { MODEL_LISTS_KEY, ModelListStore, providerFacts } from '../../src/core/registry/modelLists';
import { Registry, type ModelListEvent } from '../../src/core/registry/registry';
import { RegistryStore } from '../../src/core/registry/store';
import { useServers } from '../support/chat';
import { json } from '../support/loopback';
import { MemoryKeyValueStore, MemorySecretStore } from '../support/memoryStores';

/** A LiteLLM proxy's /model/info as documented: dollars per token, limits per deployment. */
const MODEL_INFO = {
  data: [
    {
      model_name: 'team-gpt',
      litellm_params: { model: 'openai/gpt-4o' },
      model_info: { input_cost_per_token: 0.0000025, output_cost_per_token: 0.00001, max_input_tokens: 128_000 },
    },
  ],
};

function setup(kv = new MemoryKeyValueStore()) {
  let clock = 1_800_000_000_000;
  const now = () => clock;
  const registry = new Registry({
    store: new RegistryStore(kv, () => undefined, now),
    keys: new KeyStore(new MemorySecretStore(), new Redactor(), () => Promise.resolve(undefined), kv),
    audit: new AuditLog(kv, now),
    modelLists: new ModelListStore(kv),
    fetch: globalThis.fetch,
    now,
  });
  return { kv, registry, advance: (ms: number) => (clock += ms) };
}

describe('providers’ model lists, kept between listings', () => {
  const serve = useServers();

  it('keeps only what the provider said, drops bad entries alone, and never writes over a newer format', async () => {
    assert.equal(providerFacts({ id: 'bare', contextWindow: 8000, sources: { contextWindow: 'catalog' } }), undefined);
    assert.deepEqual(
      providerFacts({
        id: 'x',
        contextWindow: 4096,
        maxContextWindow: 131_072,
        loaded: true,
        maxOutputTokens: 1000,
        sources: { contextWindow: 'provider', maxOutputTokens: 'catalog' },
      }),
      { id: 'x', contextWindow: 4096, maxContextWindow: 131_072, loaded: true, sources: { contextWindow: 'provider' } },
    );

    const kv = new MemoryKeyValueStore();
    await kv.update(MODEL_LISTS_KEY, {
      schemaVersion: 1,
      providers: {
        good: {
          at: 5,
          baseUrl: 'http://h',
          models: [{ id: 'a', prices: { input: 1, output: 2 } }, { id: 'b', prices: { input: -1 } }, 'junk'],
        },
        bad: { at: 'yesterday' },
      },
    });
    const store = new ModelListStore(kv);
    const good = store.get('good', 'http://h');
    assert.deepEqual([...good!.models.keys()], ['a']);
    assert.deepEqual(good!.models.get('a')!.sources, { prices: 'provider' });
    // Another base URL: another server's list.
    assert.equal(store.get('good', 'http://other'), undefined);
    assert.equal(store.get('bad', 'http://h'), undefined);

    const newer = new MemoryKeyValueStore();
    const future = {
      schemaVersion: 2,
      providers: { p: { at: 1, baseUrl: 'http://h', models: [{ id: 'm' }] } },
      more: 1,
    };
    await newer.update(MODEL_LISTS_KEY, future);
    const reader = new ModelListStore(newer);
    await reader.set('q', 'http://q', [{ id: 'n', prices: { input: 1, output: 1 } }], 9);
    assert.deepEqual(newer.data.get(MODEL_LISTS_KEY), future);
    // Still usable in memory.
    assert.equal(reader.get('q', 'http://q')?.models.get('n')?.prices?.input, 1);
  });

  it('a LiteLLM proxy’s listed price prices its model after the list is read, and after a restart', async () => {
    const proxy = await serve((request, response) => {
      if (request.path === '/v1/models')
        json(response, 200, { object: 'list', data: [{ id: 'team-gpt', object: 'model' }] });
      else if (request.path === '/v1/model/info') json(response, 200, MODEL_INFO);
      else json(response, 404, { error: { message: 'no' } });
    });
    const { kv, registry } = setup();
    const entry = await registry.add({ template: 'litellm', baseUrl: `${proxy.url}/v1` });
    assert.equal((await registry.modelFacts(entry.id, 'team-gpt')).price.source, 'unknown');
    const events: ModelListEvent[] = [];
    registry.onDidListModels((event) => events.push(event));
    await registry.refreshModels(entry.id);
    assert.deepEqual(
      events.map((event) => [event.providerId, event.changed, event.models.map((model) => model.id)]),
      [[entry.id, true, ['team-gpt']]],
    );
    const facts = await registry.modelFacts(entry.id, 'team-gpt');
    assert.deepEqual(facts.price, { source: 'provider', prices: { input: 2.5, output: 10 } });
    assert.deepEqual(facts.contextWindow, { value: 128_000, source: 'provider' });
    assert.equal(registry.modelList(entry.id)?.at, 1_800_000_000_000);
    // The same list again: nothing changed.
    await registry.refreshModels(entry.id);
    assert.equal(events.at(-1)?.changed, false);

    // A new session over the same globalState: the kept list prices it before any list is read.
    const restarted = setup(kv).registry;
    assert.deepEqual((await restarted.modelFacts(entry.id, 'team-gpt')).price.prices, { input: 2.5, output: 10 });
    // The user's price still wins.
    await restarted.update(entry.id, { models: [{ id: 'team-gpt', prices: { input: 1, output: 2 } }] });
    assert.equal((await restarted.modelFacts(entry.id, 'team-gpt')).price.source, 'user');
    // A removed provider's list goes with it.
    await restarted.remove(entry.id);
    assert.deepEqual(Object.keys((kv.data.get(MODEL_LISTS_KEY) as { providers: object }).providers), []);
  });

  it('a request’s first use asks for a priced list once, not again soon after a failure, and not when the user set the price', async () => {
    let fail = true;
    const proxy = await serve((request, response) => {
      if (fail) json(response, 500, { error: { message: 'down' } });
      else if (request.path === '/models') json(response, 200, { data: [{ id: 'team-gpt' }] });
      else json(response, 200, MODEL_INFO);
    });
    const { registry, advance } = setup();
    const entry = await registry.add({ template: 'litellm', baseUrl: proxy.url });
    await registry.ensureModelList(entry.id, 'team-gpt');
    assert.equal(proxy.requests.length, 1);
    fail = false;
    await registry.ensureModelList(entry.id, 'team-gpt');
    assert.equal(proxy.requests.length, 1, 'not asked again right after a failure');
    advance(11 * 60 * 1000);
    await registry.ensureModelList(entry.id, 'team-gpt');
    assert.deepEqual(
      proxy.requests.map((request) => request.path),
      ['/models', '/models', '/model/info'],
    );
    assert.equal((await registry.modelFacts(entry.id, 'team-gpt')).price.source, 'provider');
    // Kept now: the next request asks nothing.
    await registry.ensureModelList(entry.id, 'team-gpt');
    assert.equal(proxy.requests.length, 3);

    // A template without priced lists, or a model with the user's prices: never asked.
    const plain = await registry.add({ template: 'vllm', baseUrl: proxy.url });
    await registry.ensureModelList(plain.id, 'm');
    const priced = await registry.add({ template: 'litellm', baseUrl: `${proxy.url}/other` });
    await registry.update(priced.id, { models: [{ id: 'm', prices: { input: 1, output: 2 } }] });
    await registry.ensureModelList(priced.id, 'm');
    assert.equal(proxy.requests.length, 3);
  });
});
