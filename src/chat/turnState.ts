import { parseModelKey, type FallbackStep } from '../core';
import { LANGUAGE_MODEL_VENDOR } from '../platform/commandIds';
import type { SwitchboardChatMetadata } from './metadata';

/** What a turn's state is decided from: the prompt and VS Code's model picker (a ChatRequest has both). */
export interface TurnRequest {
  prompt: string;
  model: { vendor: string; id: string };
}

/** The last answer of this participant, as far as the next turn's state goes. */
export interface PreviousTurn {
  metadata: SwitchboardChatMetadata;
}

/**
 * The model a turn starts on: the one a "Retry on…" follow-up names; else VS Code's picker, when
 * it holds a Switchboard model the user picked since the last turn; else the model the
 * conversation is on (the last to answer, or `/model`'s choice); else the picker; else the default.
 */
export function firstStep(
  request: TurnRequest,
  previous: PreviousTurn | undefined,
  usable: (step: FallbackStep | undefined) => FallbackStep | undefined,
): FallbackStep | undefined {
  const meta = previous?.metadata;
  const pickerId = request.model.vendor === LANGUAGE_MODEL_VENDOR ? request.model.id : undefined;
  const picked = pickerId ? parseModelKey(pickerId) : undefined;
  const picker = picked && { provider: picked.providerId, model: picked.modelId };
  const retry =
    meta?.retry && request.prompt === meta.retry.prompt
      ? usable({ provider: meta.retry.providerId, model: meta.retry.model })
      : undefined;
  if (retry) return retry;
  if (picker && pickerId !== meta?.picker) return usable(picker);
  return (
    usable(meta?.providerId && meta.model ? { provider: meta.providerId, model: meta.model } : undefined) ??
    usable(picker)
  );
}

/** The conversation's state, carried through turns that do not change it (commands, cancels). */
export const carried = (request: TurnRequest, previous: PreviousTurn | undefined): SwitchboardChatMetadata => ({
  ...(previous?.metadata.providerId && previous.metadata.model
    ? { providerId: previous.metadata.providerId, model: previous.metadata.model }
    : {}),
  ...(request.model.vendor === LANGUAGE_MODEL_VENDOR ? { picker: request.model.id } : {}),
});
