import type * as vscode from 'vscode';
import type { Logger } from '../core';

/** Once activation is over, before anyone has typed a question. */
const AFTER_ACTIVATION_MS = 500;

/**
 * Runs `work` in the background once activation is over: what a feature loads on first use (its
 * code, the first request's one-time work) is ready before that use, and activation waits for none of it.
 */
export function afterActivation(context: vscode.ExtensionContext, log: Logger, work: () => Promise<unknown>): void {
  const timer = setTimeout(
    () => void work().catch((error: unknown) => log.warn('Preparing ahead of first use failed', error)),
    AFTER_ACTIVATION_MS,
  );
  context.subscriptions.push({ dispose: () => clearTimeout(timer) });
}
