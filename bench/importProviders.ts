// Importing a provider file of up to 100,000 providers: the time per provider at 100,000 must stay
// within 1.5x of the time per provider at 10,000 (a search per entry made it grow with the count).
import {
  AuditLog,
  exportRegistry,
  KeyStore,
  Redactor,
  Registry,
  RegistryStore,
  type KeyValueStore,
  type SecretStore,
} from '../src/core';

class MapStore implements KeyValueStore {
  readonly data = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  update(key: string, value: unknown): Promise<void> {
    // What globalState does with a value: it is serialized.
    this.data.set(key, JSON.parse(JSON.stringify(value)) as unknown);
    return Promise.resolve();
  }
  keys(): readonly string[] {
    return [...this.data.keys()];
  }
}

const noSecrets: SecretStore = {
  get: () => Promise.resolve(undefined),
  store: () => Promise.resolve(),
  delete: () => Promise.resolve(),
  onDidChange: () => ({ dispose: () => undefined }),
};

async function importMs(count: number): Promise<number> {
  const kv = new MapStore();
  const registry = new Registry({
    store: new RegistryStore(kv, () => undefined),
    keys: new KeyStore(noSecrets, new Redactor(), () => Promise.resolve(undefined), kv),
    audit: new AuditLog(kv),
    fetch: globalThis.fetch,
  });
  const providers = Array.from({ length: count }, (_, i) => ({
    id: `p${i}`,
    name: `Provider ${i}`,
    type: 'openai-compatible' as const,
    baseUrl: 'http://127.0.0.1:1234/v1',
    enabled: true,
    models: [],
    createdAt: 0,
    updatedAt: 0,
  }));
  const text = exportRegistry({ schemaVersion: 1, providers });
  global.gc?.();
  const started = performance.now();
  const result = await registry.importFile(text, { replaceExisting: () => Promise.resolve(true) });
  const ms = performance.now() - started;
  if (!result.ok || result.added !== count)
    throw new Error(`import of ${count} failed: ${JSON.stringify(result).slice(0, 300)}`);
  return ms;
}

export async function benchImport(write: (line: string) => void): Promise<void> {
  await importMs(5_000); // warm-up
  const sizes = [10_000, 25_000, 50_000, 100_000];
  const perProvider: number[] = [];
  for (const size of sizes) perProvider.push(((await importMs(size)) * 1000) / size);
  write(`\n## Import (one file, fresh registry)\n`);
  write(
    `µs per provider at ${sizes.map((size) => size.toLocaleString('en-US')).join(' / ')}: ${perProvider.map((t) => t.toFixed(1)).join(' / ')}\n`,
  );
  write(
    `100,000 vs 10,000: ${(perProvider.at(-1)! / perProvider[0]!).toFixed(2)}x per provider (target at most 1.5x)\n`,
  );
}
