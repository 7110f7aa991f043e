import * as z from '../zod';
import type { Redactor } from '../redact';
import type { KeyValueStore, SecretStore } from '../storage';

/** Provider ids that have a stored key (names only), so "clear all" reaches keys of providers no longer listed. */
export const KEY_INDEX = 'switchboard.keys.index';

/** `${env:NAME}` or `${command:…}`: a key kept elsewhere (the environment, a password manager's CLI). */
export type KeyReference = { kind: 'env'; name: string } | { kind: 'command'; command: string };

/** Reads a reference's value; the host decides what is allowed (commands are opt-in). */
export type ReferenceResolver = (reference: KeyReference) => Promise<string | undefined>;

const REFERENCE = /^\$\{(env|command):(.+)\}$/s;

export function parseReference(value: string): KeyReference | undefined {
  const match = REFERENCE.exec(value.trim());
  if (!match) return undefined;
  return match[1] === 'env' ? { kind: 'env', name: match[2]!.trim() } : { kind: 'command', command: match[2]!.trim() };
}

// What one secret-storage entry holds. The origin binds the key to where it may be sent.
const storedKey = z.strictObject({ v: z.literal(1), value: z.string().check(z.minLength(1)), origin: z.string() });

export interface KeyState {
  hasKey: boolean;
  /** e.g. `sk-…vX2Q`; for a reference, the reference itself (it is not a secret). */
  mask?: string;
  /** The origin the key may be sent to. */
  origin?: string;
  reference?: boolean;
}

export type KeyLookup =
  | { status: 'ok'; key: string }
  | { status: 'none' }
  /** A key exists but was stored for another origin: it is not sent. */
  | { status: 'origin-mismatch'; storedFor: string }
  | { status: 'unresolved'; reference: string };

// Vendor prefixes every key of that vendor shares: showing them reveals nothing about the key.
const KNOWN_PREFIXES = ['sk-proj-', 'sk-ant-', 'sk-or-v1-', 'sk-', 'AIza', 'xai-', 'gsk_', 'pplx-', 'fw_'];

/** `sk-proj-…vX2Q`: a well-known vendor prefix (if any) and the last four characters. */
export function maskKey(key: string): string {
  if (key.length < 12) return '…';
  const prefix = KNOWN_PREFIXES.find((candidate) => key.startsWith(candidate)) ?? '';
  return `${prefix}…${key.slice(-4)}`;
}

export function originOf(baseUrl: string): string {
  return new URL(baseUrl).origin;
}

const secretName = (providerId: string) => `provider:${providerId}`;
const headersName = (providerId: string) => `provider-headers:${providerId}`;

// A provider's secret header values, in one secret-storage entry, bound to an origin like its key.
const storedHeaders = z.strictObject({
  v: z.literal(1),
  origin: z.string(),
  values: z.record(z.string(), z.string().check(z.minLength(1))),
});

export type HeaderLookup =
  | { status: 'ok'; values: Record<string, string> }
  | { status: 'none' }
  /** Stored for another origin: not sent. */
  | { status: 'origin-mismatch'; storedFor: string };

/**
 * Provider keys in secret storage, one entry per provider. A key is bound to the origin of the base
 * URL it was stored for: configuration that later points the provider elsewhere (a committed
 * workspace file, say) never receives it. Every key read is registered with the redactor, so no
 * log line or message can show it.
 */
export class KeyStore {
  readonly #secrets: SecretStore;
  readonly #redactor: Redactor;
  readonly #resolve: ReferenceResolver;
  readonly #index: KeyValueStore | undefined;

  constructor(secrets: SecretStore, redactor: Redactor, resolve: ReferenceResolver, index?: KeyValueStore) {
    this.#secrets = secrets;
    this.#redactor = redactor;
    this.#resolve = resolve;
    this.#index = index;
  }

  /** Every provider id a key was stored for (and not cleared since). */
  storedIds(): string[] {
    return this.#index?.get<string[]>(KEY_INDEX) ?? [];
  }

  async #indexed(providerId: string, present: boolean): Promise<void> {
    if (!this.#index) return;
    const ids = new Set(this.storedIds());
    if (present === ids.has(providerId)) return;
    if (present) ids.add(providerId);
    else ids.delete(providerId);
    await this.#index.update(KEY_INDEX, [...ids]);
  }

  async set(providerId: string, value: string, baseUrl: string): Promise<void> {
    const trimmed = value.trim();
    if (!trimmed) throw new Error('The key is empty.');
    if (!parseReference(trimmed)) this.#redactor.addSecret(trimmed);
    await this.#secrets.store(
      secretName(providerId),
      JSON.stringify({ v: 1, value: trimmed, origin: originOf(baseUrl) }),
    );
    await this.#indexed(providerId, true);
  }

  async clear(providerId: string): Promise<void> {
    await this.#secrets.delete(secretName(providerId));
    await this.#secrets.delete(headersName(providerId));
    await this.#indexed(providerId, false);
  }

  /**
   * Replaces a provider's secret header values (several per provider), bound to the base URL's
   * origin; none left removes the entry. Each value is registered with the redactor.
   */
  async setHeaders(providerId: string, values: Record<string, string>, baseUrl: string): Promise<void> {
    const kept = Object.fromEntries(
      Object.entries(values)
        .map(([name, value]) => [name, value.trim()] as const)
        .filter(([, value]) => value !== ''),
    );
    if (Object.keys(kept).length === 0) {
      await this.#secrets.delete(headersName(providerId));
      return;
    }
    for (const value of Object.values(kept)) this.#redactor.addSecret(value);
    await this.#secrets.store(
      headersName(providerId),
      JSON.stringify({ v: 1, origin: originOf(baseUrl), values: kept }),
    );
    await this.#indexed(providerId, true);
  }

  /** The secret header values to send to `baseUrl`, read now; each is registered with the redactor. */
  async headers(providerId: string, baseUrl: string): Promise<HeaderLookup> {
    const stored = await this.#readHeaders(providerId);
    if (!stored) return { status: 'none' };
    if (stored.origin !== originOf(baseUrl)) return { status: 'origin-mismatch', storedFor: stored.origin };
    for (const value of Object.values(stored.values)) this.#redactor.addSecret(value);
    return { status: 'ok', values: stored.values };
  }

  /** Each secret header's mask (never its value), for the panel. */
  async headerMasks(providerId: string): Promise<Record<string, string>> {
    const stored = await this.#readHeaders(providerId);
    return Object.fromEntries(Object.entries(stored?.values ?? {}).map(([name, value]) => [name, maskKey(value)]));
  }

  async #readHeaders(providerId: string): Promise<z.infer<typeof storedHeaders> | undefined> {
    const raw = await this.#secrets.get(headersName(providerId));
    if (raw === undefined) return undefined;
    try {
      const parsed = storedHeaders.safeParse(JSON.parse(raw));
      if (parsed.success) return parsed.data;
    } catch {
      // not JSON: unusable, never shown or sent
    }
    return undefined;
  }

  async state(providerId: string): Promise<KeyState> {
    const stored = await this.#read(providerId);
    if (!stored) return { hasKey: false };
    const reference = parseReference(stored.value) !== undefined;
    return { hasKey: true, mask: reference ? stored.value : maskKey(stored.value), origin: stored.origin, reference };
  }

  /** The key to send to `baseUrl`, read now (never cached: a changed key applies to the next request). */
  async lookup(providerId: string, baseUrl: string): Promise<KeyLookup> {
    const stored = await this.#read(providerId);
    if (!stored) return { status: 'none' };
    if (stored.origin !== originOf(baseUrl)) return { status: 'origin-mismatch', storedFor: stored.origin };
    const reference = parseReference(stored.value);
    const key = reference ? await this.#resolve(reference) : stored.value;
    if (!key) return { status: 'unresolved', reference: stored.value };
    this.#redactor.addSecret(key);
    return { status: 'ok', key };
  }

  onDidChange(listener: (providerId: string) => void): { dispose(): void } {
    return this.#secrets.onDidChange((name) => {
      if (name.startsWith('provider:')) listener(name.slice('provider:'.length));
      else if (name.startsWith('provider-headers:')) listener(name.slice('provider-headers:'.length));
    });
  }

  async #read(providerId: string): Promise<z.infer<typeof storedKey> | undefined> {
    const raw = await this.#secrets.get(secretName(providerId));
    if (raw === undefined) return undefined;
    try {
      const parsed = storedKey.safeParse(JSON.parse(raw));
      if (parsed.success) return parsed.data;
    } catch {
      // not JSON: fall through
    }
    // A value Switchboard did not write this way is unusable, but it is never shown or sent.
    return undefined;
  }
}
