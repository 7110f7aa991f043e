// The usage ledger under a year of heavy use (every record also through the shared journal, as in
// VS Code): does a record cost the same at the end as at the start, and how large does the stored value grow?
import { UsageLedger } from '../src/core/cost/ledger';
import { systemClock, type KeyValueStore } from '../src/core';

class MapStore implements KeyValueStore {
  readonly data = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  update(key: string, value: unknown): Promise<void> {
    // What globalState does with a value: it keeps the object it was given, and serializes it to disk.
    JSON.stringify(value);
    this.data.set(key, value);
    return Promise.resolve();
  }
  keys(): readonly string[] {
    return [...this.data.keys()];
  }
}

export async function benchLedger(write: (line: string) => void): Promise<void> {
  const store = new MapStore();
  // The clock follows the simulated year, so days roll into months as they would in a real one.
  // Flushes are driven below (one per 100 records, like a busy second); no timer is needed.
  let simulatedNow = 0;
  const ledger = new UsageLedger(store, {
    ...systemClock,
    now: () => simulatedNow,
    setTimeout: () => 0,
    clearTimeout: () => undefined,
  });
  const total = 100_000;
  // A year up to today, as real use would have it (days before the last 62 are rolled into months).
  const start = Date.now() - 365 * 86_400_000;
  const models = Array.from({ length: 15 }, (_, i) => [`provider-${i % 5}`, `model-${i}-2025-08-07`] as const);
  const timings: number[] = [];
  let windowStart = performance.now();
  for (let i = 0; i < total; i++) {
    const [providerId, modelId] = models[i % models.length]!;
    simulatedNow = start + Math.floor((i / total) * 365) * 86_400_000;
    ledger.record({
      at: simulatedNow,
      providerId,
      modelId,
      usage: { inputTokens: 1200, cachedInputTokens: 300, outputTokens: 400, reasoningTokens: 100 },
      cost: { basis: 'computed', usd: 0.0123 },
      surface: 'chat',
      outcome: 'ok',
    });
    if (i % 100 === 99) await ledger.flush();
    if (i % 10_000 === 9_999) {
      timings.push(((performance.now() - windowStart) * 1000) / 10_000);
      windowStart = performance.now();
    }
  }
  await ledger.flush();
  const bytes = Buffer.byteLength(JSON.stringify(store.get('switchboard.usage')));
  write(`\n## Usage ledger (${total.toLocaleString('en-US')} records over 365 days, 15 models, a flush every 100)\n`);
  write(`µs per record, by 10,000: ${timings.map((t) => t.toFixed(1)).join(' ')}\n`);
  // Once 62 days are kept apart (about 17,000 records in) the stored value stops growing: from there
  // a record must cost the same.
  const steady = timings.slice(2);
  write(
    `last 10k vs first 10k: ${(timings.at(-1)! / timings[0]!).toFixed(2)}x per record (target at most 1.5x); vs 20-30k (steady state): ${(timings.at(-1)! / timings[2]!).toFixed(2)}x, max/min over 20k-100k: ${(Math.max(...steady) / Math.min(...steady)).toFixed(2)}x; stored aggregates: ${(bytes / 1024).toFixed(1)} KB (target < 256 KB)\n`,
  );
}
