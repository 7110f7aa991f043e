/** The part of VS Code's CancellationToken the bridge needs (typed here so it runs without VS Code). */
export interface CancellationTokenLike {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

/** An AbortSignal that follows a CancellationToken; `dispose` drops the listener (tokens outlive requests). */
export interface AbortBridge {
  readonly signal: AbortSignal;
  dispose(): void;
}

/** The one bridge from VS Code's cancellation to the core's AbortSignal. */
export function abortSignalFor(token: CancellationTokenLike | undefined): AbortBridge {
  const controller = new AbortController();
  if (token?.isCancellationRequested) controller.abort();
  const listener = token?.onCancellationRequested(() => controller.abort());
  return { signal: controller.signal, dispose: () => listener?.dispose() };
}

/** Runs `work` with a signal that follows `token`, and always drops the listener after. */
export async function withAbortSignal<T>(
  token: CancellationTokenLike | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const bridge = abortSignalFor(token);
  try {
    return await work(bridge.signal);
  } finally {
    bridge.dispose();
  }
}
