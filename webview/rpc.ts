import type * as z from 'zod/mini';
import {
  hostToWebview,
  parseMessage,
  requests,
  type HostEvent,
  type Params,
  type PanelStage,
  type RequestName,
  type Result,
  type WebviewToHost,
} from '../src/shared/protocol';

/** What the host pushes unasked: new state, spend changed, a section to show. */
export type PushEvent = Extract<HostEvent, { type: 'state' | 'show' | 'spendChanged' }>;

export interface Rpc {
  /** Sends a request; its stages (a connection test) arrive through `onStage` until the result does. */
  request<N extends RequestName>(name: N, params: Params<N>, onStage?: (stage: PanelStage) => void): Promise<Result<N>>;
  /** Takes one message from the host: a malformed one, or a reply to nothing asked, has no effect. */
  receive(raw: unknown): void;
}

interface Pending {
  name: RequestName;
  resolve(result: unknown): void;
  reject(error: Error): void;
  onStage?: ((stage: PanelStage) => void) | undefined;
}

/** The host refuses a request by field (`params.baseUrl: …`); the panel names the field as its form does. */
const FIELD_NAMES: Record<string, string> = {
  baseUrl: 'Base URL',
  name: 'Name',
  apiKey: 'API key',
  template: 'Provider',
  models: 'Models',
};

/** No request waits forever: connection tests end well within this (their own timeouts). */
const REPLY_TIMEOUT_MS = 180_000;

/**
 * The panel's side of the protocol: `request(name, params)` resolves with that request's result,
 * parsed (once) against the result the protocol declares for it.
 */
export function createRpc(
  post: (message: WebviewToHost) => void,
  onPush: (event: PushEvent) => void,
  timeoutMs = REPLY_TIMEOUT_MS,
): Rpc {
  const pending = new Map<number, Pending>();
  /** Ids unique across reloads of the webview: a reply to a request of an earlier load never matches a new one. */
  let nextId = Math.floor(Math.random() * 2 ** 40);

  const settle = (id: number): Pending | undefined => {
    const entry = pending.get(id);
    pending.delete(id);
    return entry;
  };

  return {
    request(name, params, onStage) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error('Switchboard did not answer. Try again, or reload the panel.'));
        }, timeoutMs);
        pending.set(id, {
          name,
          onStage,
          resolve: (result) => {
            clearTimeout(timer);
            resolve(result as Result<typeof name>);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        post({ type: 'request', id, name, params } as WebviewToHost);
      });
    },
    receive(raw) {
      const parsed = parseMessage(hostToWebview, raw);
      if (!parsed.ok) return;
      const message = parsed.message;
      switch (message.type) {
        case 'stage':
          pending.get(message.id)?.onStage?.(message.stage);
          return;
        case 'reply': {
          const entry = settle(message.id);
          if (!entry) return;
          // A value the panel cannot show (a hand-written setting, say) fails this one request, not the panel.
          const result = parseMessage(requests[entry.name].result as z.ZodMiniType<unknown>, message.result);
          if (result.ok) entry.resolve(result.message);
          else entry.reject(new Error(`Switchboard could not show this (${result.error}). Check your settings.`));
          return;
        }
        case 'error':
          settle(message.id)?.reject(
            new Error(
              message.error.replace(/^Switchboard refused the request: params\.(\w+):/, (whole, field: string) =>
                FIELD_NAMES[field] ? `${FIELD_NAMES[field]}:` : whole,
              ),
            ),
          );
          return;
        default:
          onPush(message);
      }
    },
  };
}
