import { ProviderError } from '../errors';
import type { Clock } from '../types';

// The router's waiting and cancelling, apart from its decisions.

export function asProviderError(error: unknown, signal: AbortSignal | undefined): ProviderError {
  if (error instanceof ProviderError) return error;
  if (signal?.aborted) return cancelled();
  return new ProviderError('network', error instanceof Error ? error.message : String(error), { cause: error });
}

export function cancelled(): ProviderError {
  return new ProviderError('cancelled', 'The request was cancelled');
}

/** Resolves after `ms` on the clock, or rejects with `cancelled` as soon as the signal aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(cancelled());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(cancelled());
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The user's answer, unless the request is cancelled first (a dialog must not hold a cancelled request). */
export async function answerUnlessCancelled<T>(question: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return question;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(cancelled());
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([question, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}
