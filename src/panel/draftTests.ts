import { createHash } from 'node:crypto';
import type { ConnectionTestReport } from '../core';

/** What identifies a draft: the fields its test used (its name changes nothing the test saw). */
export interface Draft {
  readonly template: string;
  readonly baseUrl: string;
  readonly apiKey?: string;
  readonly apiVersion?: string;
}

/**
 * The connection test the host itself ran on the wizard's draft, kept so the provider saved from
 * that same draft keeps its result. The webview never sends a result: it could claim anything.
 * Only a digest of the key is kept, so the key stays nowhere it is not needed.
 */
export class DraftTests {
  #last: { identity: string; report: ConnectionTestReport; at: number } | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  remember(draft: Draft, report: ConnectionTestReport): void {
    this.#last = { identity: identity(draft), report, at: this.now() };
  }

  /** The test of exactly this draft (template, base URL and key), once: a second save is not the one tested. */
  take(draft: Draft): { report: ConnectionTestReport; at: number } | undefined {
    const last = this.#last;
    if (!last || last.identity !== identity(draft)) return undefined;
    this.#last = undefined;
    return { report: last.report, at: last.at };
  }
}

function identity(draft: Draft): string {
  return createHash('sha256')
    .update(JSON.stringify([draft.template, draft.baseUrl.trim(), draft.apiKey?.trim() || '', draft.apiVersion ?? '']))
    .digest('hex');
}
