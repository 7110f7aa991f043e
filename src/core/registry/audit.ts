import * as z from '../zod';
import type { KeyValueStore } from '../storage';

export const AUDIT_KEY = 'switchboard.audit';
export const AUDIT_LIMIT = 1000;

export type AuditAction =
  | 'provider-added'
  | 'provider-updated'
  | 'provider-removed'
  | 'provider-enabled'
  | 'provider-disabled'
  | 'key-set'
  | 'key-cleared'
  | 'default-changed'
  | 'budget-changed'
  | 'fallback-triggered'
  | 'fallback-changed'
  | 'imported'
  | 'restored';

const entry = z.strictObject({
  at: z.number(),
  action: z.string(),
  providerId: z.optional(z.string()),
  detail: z.optional(z.string()),
});
export type AuditEntry = { at: number; action: AuditAction; providerId?: string; detail?: string };

/** The last 1,000 changes to providers, keys, defaults and budgets, with time and provider; never a key. */
export class AuditLog {
  readonly #kv: KeyValueStore;
  readonly #now: () => number;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(kv: KeyValueStore, now: () => number = Date.now) {
    this.#kv = kv;
    this.#now = now;
  }

  /** Newest first. Entries that do not validate are skipped, not shown. */
  list(): AuditEntry[] {
    const raw = this.#kv.get<unknown>(AUDIT_KEY);
    const entries = Array.isArray(raw)
      ? raw.flatMap((item) => (entry.safeParse(item).success ? [item as AuditEntry] : []))
      : [];
    return entries.reverse();
  }

  /**
   * Appends to the log as stored: entries that do not validate (written by a newer version, say)
   * stay where they are, unshown, and age out like any other. A stored value that is not a list at
   * all is kept as a copy before a new log starts.
   */
  record(action: AuditAction, providerId?: string, detail?: string): Promise<void> {
    const write = async () => {
      const raw = this.#kv.get<unknown>(AUDIT_KEY);
      if (raw !== undefined && !Array.isArray(raw)) await this.#kv.update(`${AUDIT_KEY}.kept.${this.#now()}`, raw);
      const current: unknown[] = Array.isArray(raw) ? raw : [];
      current.push({ at: this.#now(), action, ...(providerId ? { providerId } : {}), ...(detail ? { detail } : {}) });
      await this.#kv.update(AUDIT_KEY, current.slice(-AUDIT_LIMIT));
    };
    const result = this.#queue.then(write, write);
    this.#queue = result.catch(() => undefined);
    return result;
  }
}
