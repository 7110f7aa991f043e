import * as z from '../core/zod';
import { activityRequests } from './activityRequests';
import { fallbackRequests } from './fallbackRequests';
import { modelRequests } from './modelRequests';
import { panelState } from './panelState';
import { count } from './protocolFields';
import { providerRequests, stageResult } from './providerRequests';
import { spendRequests } from './spendRequests';

/**
 * The one protocol between the provider panel (webview) and the extension host: a map of requests,
 * each with its params and its result, plus the events the host pushes. Each side parses what it
 * receives (and only that) and drops what does not fit. Keys travel one way only: typed in the
 * panel, sent to the host; the host sends masks. zod/mini keeps the panel's bundle small.
 * The requests of each section (or of sections sharing their schemas) are in a module of their own.
 */

export type { PanelAuditEntry } from './activityRequests';
export type { CatalogRow, ModelRow, PanelCatalog } from './modelRequests';
export {
  panelState,
  type PanelFallbackStep,
  type PanelState,
  type ProviderCard,
  type TemplateInfo,
} from './panelState';
export type { PanelHeader, PanelProviderSettings, PanelReport, PanelStage } from './providerRequests';
export type { PanelBudget, PanelSpend, PanelTokenCap } from './spendRequests';

/**
 * Every request the panel makes, by name: what it sends and what it gets back. The host has one
 * handler per name (src/panel/), the panel calls `request(name, params)` (webview/rpc.ts).
 * Joined in the order they were first written: an unknown name's error lists them in this order.
 */
export const requests = {
  ...providerRequests,
  ...spendRequests,
  ...fallbackRequests,
  ...activityRequests,
  ...modelRequests,
} as const;

export type RequestName = keyof typeof requests;
export type Params<N extends RequestName> = z.infer<(typeof requests)[N]['params']>;
export type Result<N extends RequestName> = z.infer<(typeof requests)[N]['result']>;

const requestId = count;
export type RequestMessage = {
  [N in RequestName]: { type: 'request'; id: number; name: N; params: Params<N> };
}[RequestName];
export type WebviewToHost = { type: 'ready' } | RequestMessage;

export const webviewToHost: z.ZodMiniType<WebviewToHost> = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready') }),
  z.discriminatedUnion(
    'name',
    (Object.keys(requests) as RequestName[]).map((name) =>
      z.strictObject({
        type: z.literal('request'),
        id: requestId,
        name: z.literal(name),
        params: requests[name].params,
      }),
    ) as unknown as [z.ZodMiniObject, ...z.ZodMiniObject[]],
  ),
]) as unknown as z.ZodMiniType<WebviewToHost>;

export const panelSection = z.enum([
  'providers',
  'add',
  'models',
  'usage',
  'budgets',
  'fallback',
  'activity',
  'settings',
]);
export type PanelSection = z.infer<typeof panelSection>;

/**
 * What the host posts: pushes (typed events) and answers. A reply's result is parsed by the panel
 * against the request it made (`requests[name].result`), so each message is checked once.
 */
export const hostToWebview = z.discriminatedUnion('type', [
  /** Opened for one section (the status bar opens Usage); Provider Settings for one provider (Edit > Advanced Settings). */
  z.strictObject({ type: z.literal('show'), section: panelSection, providerId: z.optional(z.string()) }),
  /** Usage or budgets changed: a panel showing spend asks again. */
  z.strictObject({ type: z.literal('spendChanged') }),
  z.strictObject({ type: z.literal('state'), state: panelState }),
  /** A connection-test stage as it finishes, for the request `id`. */
  z.strictObject({ type: z.literal('stage'), id: requestId, stage: stageResult }),
  z.strictObject({ type: z.literal('reply'), id: requestId, result: z.unknown() }),
  /** The request `id` failed or was refused: one sentence for the user. */
  z.strictObject({ type: z.literal('error'), id: requestId, error: z.string() }),
]);
export type HostEvent = z.infer<typeof hostToWebview>;
/** What the host sends, typed by request: a reply carries that request's result. */
export type HostToWebview =
  Exclude<HostEvent, { type: 'reply' }> | { type: 'reply'; id: number; result: Result<RequestName> };

export type ParseResult<T> = { ok: true; message: T } | { ok: false; error: string };

/** Parses an untrusted message; the error names the offending field (e.g. `type: Invalid input`), never its value. */
export function parseMessage<T>(schema: z.ZodMiniType<T>, raw: unknown): ParseResult<T> {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, message: result.data };
  const error = result.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(message)'}: ${issue.message}`)
    .join('; ');
  return { ok: false, error };
}
