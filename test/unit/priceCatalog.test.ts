// The price catalog kept current: a price-data server on 127.0.0.1 whose file changes between two
// refreshes; what is checked before the calculator gets it; the bundled data as the floor.
import assert from 'node:assert/strict';
import { updatePrices, waitForUpdate, type Provider } from '@pydantic/genai-prices';
import { createLogger, type LogLevel } from '../../src/core';
import { costOf, priceOf } from '../../src/core/cost/pricing';
import { PRICE_DATA_MAX_AGE_MS, PriceCatalog, type PriceDataCache } from '../../src/core/cost/priceCatalog';
import { json, startLoopback, type LoopbackServer } from '../support/loopback';
import { ManualClock } from '../support/manualClock';

const OPENAI = { catalogIds: ['openai'] };

/** The data in use with gpt-4o's input and output prices set (per million tokens). */
function withGpt4o(data: Provider[], input: number, output: number): Provider[] {
  const copy = structuredClone(data);
  const model = copy.find((provider) => provider.id === 'openai')!.models.find((entry) => entry.id === 'gpt-4o')!;
  model.prices = { input_mtok: input, output_mtok: output };
  return copy;
}

class MemoryCache implements PriceDataCache {
  text: string | undefined;
  writes = 0;
  read() {
    return Promise.resolve(this.text);
  }
  write(text: string) {
    this.writes++;
    this.text = text;
    return Promise.resolve();
  }
}

describe('the price catalog kept current', () => {
  let bundled: Provider[];
  let server: LoopbackServer;
  /** What the server sends next: data, or a handler of its own. */
  let serve: unknown;
  let lines: Array<[LogLevel, string]>;
  let clock: ManualClock;
  let cache: MemoryCache;

  const catalog = (url = `${server.url}/data.json`) =>
    new PriceCatalog({
      fetch,
      clock: {
        now: () => clock.now(),
        setTimeout: (callback, ms) => setTimeout(callback, ms),
        clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
      },
      cache,
      log: createLogger({ log: (level, line) => lines.push([level, line]) }),
      url,
    });
  const gpt4o = async () => (await priceOf(OPENAI, 'gpt-4o')).prices;
  /** gpt-4o's bundled input price. */
  let before4o: number | undefined;

  before(async () => {
    bundled = structuredClone((await waitForUpdate())!);
    before4o = (await gpt4o())?.input;
    server = await startLoopback((_request, response) => {
      if (typeof serve === 'function') (serve as (response: unknown) => void)(response);
      else json(response, 200, serve);
    });
  });
  beforeEach(() => {
    lines = [];
    clock = new ManualClock();
    cache = new MemoryCache();
    server.requests.length = 0;
  });
  afterEach(() => {
    // Back to the bundled data, for every other test.
    updatePrices(({ setProviderData }) => setProviderData(structuredClone(bundled)));
  });
  after(() => server.close());

  it('a download is checked and used for the next estimate and cost; a second look the same day downloads nothing', async () => {
    const before = await gpt4o();
    assert.ok(before && before.input !== 1.23);
    serve = withGpt4o(bundled, 1.23, 4.56);
    const prices = catalog();
    assert.deepEqual(prices.state, { source: 'bundled', date: '2026-09-23' });
    assert.deepEqual(await prices.refresh(), { status: 'updated' });
    assert.deepEqual(await gpt4o(), { input: 1.23, output: 4.56 });
    const cost = await costOf(OPENAI, 'gpt-4o', { inputTokens: 1_000_000, outputTokens: 1_000_000 });
    assert.equal(cost.usd?.toFixed(2), '5.79');
    assert.deepEqual(prices.state, {
      source: 'downloaded',
      url: `${server.url}/data.json`,
      fetchedAt: clock.now(),
      date: new Date(clock.now()).toISOString().slice(0, 10),
    });
    assert.equal(cache.writes, 1);

    clock.advance(PRICE_DATA_MAX_AGE_MS - 1);
    assert.deepEqual(await prices.refresh(), { status: 'fresh' });
    assert.equal(server.requests.length, 1, 'nothing downloaded again within a day');
  });

  it('the file changed on the server: the next refresh uses the new price; the same file again is "unchanged"', async () => {
    const prices = catalog();
    serve = withGpt4o(bundled, 1, 2);
    await prices.refresh();
    serve = withGpt4o(bundled, 3, 4);
    clock.advance(PRICE_DATA_MAX_AGE_MS);
    assert.deepEqual(await prices.refresh(), { status: 'updated' });
    assert.deepEqual(await gpt4o(), { input: 3, output: 4 });
    assert.deepEqual(await prices.refresh({ force: true }), { status: 'unchanged' });
    assert.equal(server.requests.length, 3);
  });

  it('garbage, a negative price, a truncated list or a server error: the prices in use stay, each failure logged once', async () => {
    const prices = catalog();
    serve = withGpt4o(bundled, 1, 2);
    await prices.refresh();
    const negative = withGpt4o(bundled, -1, 2);
    const truncated = withGpt4o(bundled, 9, 9).filter((provider) => provider.id !== 'anthropic');
    const halved = withGpt4o(bundled, 9, 9).map((provider) =>
      provider.id === 'openai' ? { ...provider, models: provider.models.slice(0, 3) } : provider,
    );
    const cases: Array<[unknown, RegExp]> = [
      [
        (response: { writeHead(s: number): void; end(t: string): void }) => {
          response.writeHead(200);
          response.end('<html>rate limited</html>');
        },
        /not JSON/,
      ],
      [negative, /not a price list \(\d+\.models\.\d+\.prices.*input_mtok/],
      [truncated, /provider anthropic is missing/],
      [halved, /provider openai lists 3 models instead of \d+/],
      [{ not: 'a list' }, /not a price list/],
      [
        (response: { writeHead(s: number): void; end(t: string): void }) => {
          response.writeHead(503);
          response.end('{"error":"maintenance"}');
        },
        /could not be downloaded/,
      ],
    ];
    for (const [body, reason] of cases) {
      serve = body;
      const outcome = await prices.refresh({ force: true });
      assert.equal(outcome.status, 'failed');
      assert.match(outcome.message!, reason);
      assert.deepEqual(await gpt4o(), { input: 1, output: 2 }, outcome.message);
      await prices.refresh({ force: true });
    }
    const warnings = lines.filter(([level]) => level === 'warn');
    assert.equal(warnings.length, cases.length, warnings.map(([, line]) => line).join('\n'));
    assert.ok(warnings.every(([, line]) => line.includes('Prices stay as they were.')));
    assert.equal(prices.state.source, 'downloaded');
  });

  it('another window (a new catalog) uses the cached download without the network; a cache for another address is not used', async () => {
    serve = withGpt4o(bundled, 5, 6);
    await catalog().refresh();
    updatePrices(({ setProviderData }) => setProviderData(structuredClone(bundled)));
    assert.notDeepEqual(await gpt4o(), { input: 5, output: 6 });

    const second = catalog();
    await second.loadCached();
    assert.deepEqual(await gpt4o(), { input: 5, output: 6 });
    assert.deepEqual(await second.refresh(), { status: 'fresh' });
    assert.equal(server.requests.length, 1);

    updatePrices(({ setProviderData }) => setProviderData(structuredClone(bundled)));
    const mirror = catalog(`${server.url}/mirror.json`);
    await mirror.loadCached();
    assert.equal(mirror.state.source, 'bundled');
    assert.notDeepEqual(await gpt4o(), { input: 5, output: 6 });
  });

  it('after a restart, the first price worked out already uses the cached download (read then, not at activation)', async () => {
    serve = withGpt4o(bundled, 5, 6);
    await catalog().refresh();
    updatePrices(({ setProviderData }) => setProviderData(structuredClone(bundled)));
    const restarted = catalog();
    restarted.loadBeforeFirstPrice();
    assert.equal(restarted.state.source, 'bundled', 'nothing is read before a price is needed');
    assert.deepEqual(await gpt4o(), { input: 5, output: 6 });
    assert.equal(restarted.state.source, 'downloaded');
    assert.equal(server.requests.length, 1);
  });

  it('a damaged cache is not used and says so; the bundled prices stay', async () => {
    cache.text = JSON.stringify({ version: 1, url: `${server.url}/data.json`, fetchedAt: clock.now(), data: [] });
    const prices = catalog();
    await prices.loadCached();
    assert.equal(prices.state.source, 'bundled');
    assert.match(
      lines.map(([, line]) => line).join('\n'),
      /cached price data was not used: the data is not a price list/,
    );
    cache.text = '{"version":1,';
    await prices.loadCached();
    assert.match(lines.at(-1)![1], /cached price data could not be read/);
  });

  it('a cancelled refresh stops the download and keeps the prices', async () => {
    const silent = await startLoopback(() => undefined); // never answers
    try {
      const controller = new AbortController();
      const outcome = catalog(`${silent.url}/data.json`).refresh({ force: true, signal: controller.signal });
      while (silent.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      controller.abort();
      const result = await outcome;
      assert.equal(result.status, 'failed');
      assert.match(result.message!, /cancelled/);
      await silent.socketsClosed(2_000);
      assert.equal((await priceOf(OPENAI, 'gpt-4o')).prices?.input, before4o);
    } finally {
      await silent.close();
    }
  });

  it("the user's Refresh while a daily look is downloading waits for it, then downloads the file as it is now", async () => {
    const prices = catalog();
    let release: () => void = () => undefined;
    serve = (response: { writeHead(status: number): void; end(text: string): void }) => {
      // The daily look's download hangs until the file has changed on the server.
      release = () => {
        response.writeHead(200);
        response.end(JSON.stringify(withGpt4o(bundled, 1, 2)));
      };
    };
    const daily = prices.refresh();
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const user = prices.refresh({ force: true });
    serve = withGpt4o(bundled, 3, 4);
    release();
    assert.deepEqual(await daily, { status: 'updated' });
    assert.deepEqual(await user, { status: 'updated' });
    assert.deepEqual(await gpt4o(), { input: 3, output: 4 });
    assert.equal(server.requests.length, 2);
  });

  it('only http and https addresses are downloaded', async () => {
    const result = await catalog('file:///etc/passwd').refresh({ force: true });
    assert.equal(result.status, 'failed');
    assert.match(result.message!, /file: addresses are not downloaded/);
  });
});
