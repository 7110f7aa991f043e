import * as z from 'zod';
import { CONTROL_CHARACTER_MESSAGE, hasControlCharacter, MODEL_ID_MAX } from '../core/registry/ids';
import { KEY_IN_BASE_URL, urlHoldsKey } from '../core/registry/keyShape';

/**
 * The one message protocol between the provider panel (webview) and the extension host.
 * Both sides parse every message they receive with these schemas and drop what does not fit.
 * Keys travel one way only: typed in the panel, sent to the host; the host sends masks.
 */

const providerId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/);
// The core's rules for what enters the registry, so the panel names a bad field before sending it.
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).refine((url) => !urlHoldsKey(url), KEY_IN_BASE_URL);
const modelId = z.string().min(1).max(MODEL_ID_MAX);
/** A model id the panel sends: one the registry accepts. */
const newModelId = modelId.refine((id) => !hasControlCharacter(id), CONTROL_CHARACTER_MESSAGE);

/** A budget as `switchboard.budgets` holds it (the host checks it again with the core's schema). */
const budget = z
  .object({
    id: z.string().min(1).max(300),
    scope: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('overall') }).strict(),
      z.object({ kind: z.literal('provider'), providerId }).strict(),
      z.object({ kind: z.literal('model'), providerId, modelId }).strict(),
    ]),
    period: z.enum(['daily', 'monthly']),
    limitUsd: z.number().positive().max(1_000_000),
    alertAt: z.number().gt(0).max(1),
    mode: z.enum(['warn', 'ask', 'stop', 'switch']),
  })
  .strict();
export type PanelBudget = z.infer<typeof budget>;

/** A budget as shown: any the core accepts from settings (hand-written ones included). */
const shownBudget = budget.extend({
  id: z.string().min(1),
  scope: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('overall') }).strict(),
    z.object({ kind: z.literal('provider'), providerId: z.string().min(1) }).strict(),
    z.object({ kind: z.literal('model'), providerId: z.string().min(1), modelId: z.string().min(1) }).strict(),
  ]),
  limitUsd: z.number().positive(),
});

/** What the panel asks the host to do; each request carries an id the reply echoes. */
export const panelRequest = z.discriminatedUnion('action', [
  /** The add wizard's Test Connection: the doctor on a provider not saved yet. */
  z.object({ action: z.literal('testDraft'), template: z.string().min(1), baseUrl: httpUrl, apiKey: z.string().max(4096).optional() }).strict(),
  z
    .object({
      action: z.literal('addProvider'),
      template: z.string().min(1),
      name: z.string().min(1).max(100).optional(),
      baseUrl: httpUrl,
      apiKey: z.string().max(4096).optional(),
      models: z.array(newModelId).max(500),
      defaultModel: newModelId.optional(),
    })
    .strict(),
  z.object({ action: z.literal('testProvider'), providerId }).strict(),
  z.object({ action: z.literal('listModels'), providerId }).strict(),
  z.object({ action: z.literal('setEnabled'), providerId, enabled: z.boolean() }).strict(),
  z.object({ action: z.literal('setDefault'), providerId, modelId: newModelId }).strict(),
  /** Opens VS Code's own password box: a key for a saved provider is never typed into the webview. */
  z.object({ action: z.literal('setKey'), providerId }).strict(),
  z.object({ action: z.literal('removeProvider'), providerId }).strict(),
  /** Opens VS Code's own editing prompts for the provider (name, base URL, API version). */
  z.object({ action: z.literal('editProvider'), providerId }).strict(),
  z.object({ action: z.literal('detectLocal') }).strict(),
  /** Opens VS Code's chat on Switchboard's default model. */
  z.object({ action: z.literal('openChat') }).strict(),
  /** Spend by day and provider, by model, and each budget's use, over the last `days` days. */
  z.object({ action: z.literal('spend'), days: z.number().int().min(1).max(62) }).strict(),
  z.object({ action: z.literal('saveBudget'), budget }).strict(),
  z.object({ action: z.literal('removeBudget'), budgetId: z.string().min(1).max(100) }).strict(),
  z.object({ action: z.literal('exportUsage'), format: z.enum(['csv', 'json']) }).strict(),
  /** The models to try after the default, in order (saved to switchboard.fallback.chain). */
  z.object({ action: z.literal('saveFallback'), steps: z.array(z.object({ provider: providerId, model: newModelId }).strict()).max(20) }).strict(),
  z.object({ action: z.literal('audit') }).strict(),
  /** Every enabled provider's models (each provider asked for its list), for the models table. */
  z.object({ action: z.literal('allModels') }).strict(),
  /** The user's own limits and prices for one model (a custom model the catalog does not know). */
  z
    .object({
      action: z.literal('saveOverrides'),
      providerId,
      modelId: newModelId,
      // A number sets the user's own value; null clears it (the provider's or catalog's applies again).
      contextWindow: z.number().int().positive().max(100_000_000).nullable(),
      maxOutputTokens: z.number().int().positive().max(100_000_000).nullable(),
      input: z.number().nonnegative().max(100_000).nullable(),
      output: z.number().nonnegative().max(100_000).nullable(),
      cachedInput: z.number().nonnegative().max(100_000).nullable(),
    })
    .strict(),
]);
export type PanelRequest = z.infer<typeof panelRequest>;
export type PanelAction = PanelRequest['action'];

export const webviewToHost = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }).strict(),
  z.object({ type: z.literal('request'), id: z.number().int().nonnegative(), request: panelRequest }).strict(),
]);
export type WebviewToHost = z.infer<typeof webviewToHost>;

const stageResult = z
  .object({
    stage: z.enum(['connect', 'tls', 'auth', 'models', 'chat']),
    status: z.enum(['pass', 'fail', 'skip']),
    message: z.string(),
    ms: z.number().nonnegative().optional(),
    code: z.string().optional(),
  })
  .strict();
export type PanelStage = z.infer<typeof stageResult>;

/** A model row: limits and prices (US dollars per million tokens), each with where it came from. */
const modelRow = z
  .object({
    id: modelId,
    name: z.string().optional(),
    contextWindow: z.number().int().positive().optional(),
    maxOutputTokens: z.number().int().positive().optional(),
    prices: z.object({ input: z.number().nonnegative(), output: z.number().nonnegative(), cachedInput: z.number().nonnegative().optional() }).strict().optional(),
    priceSource: z.enum(['catalog', 'user', 'local', 'unknown']),
    capabilities: z.array(z.enum(['tools', 'vision', 'reasoning'])),
    /** Where the limits came from: the provider's own list, the catalog, or the user. */
    sources: z.object({ contextWindow: z.enum(['provider', 'catalog', 'user']).optional(), maxOutputTokens: z.enum(['provider', 'catalog', 'user']).optional() }).strict().optional(),
  })
  .strict();
export type ModelRow = z.infer<typeof modelRow>;

const catalogRow = modelRow
  .extend({
    providerId,
    providerName: z.string(),
    chosen: z.boolean(),
    editable: z.boolean(),
    /** The user's own values only (what the edit form starts from). */
    userValues: z.object({ contextWindow: z.number().optional(), maxOutputTokens: z.number().optional(), input: z.number().optional(), output: z.number().optional(), cachedInput: z.number().optional() }).strict(),
  })
  .strict();
export type CatalogRow = z.infer<typeof catalogRow>;

const report = z
  .object({
    ok: z.boolean(),
    stages: z.array(stageResult),
    suggestedBaseUrl: z.string().optional(),
    models: z.array(modelRow).optional(),
  })
  .strict();
export type PanelReport = z.infer<typeof report>;

const providerCard = z
  .object({
    id: providerId,
    name: z.string(),
    template: z.string().optional(),
    templateName: z.string().optional(),
    baseUrl: z.string(),
    enabled: z.boolean(),
    source: z.enum(['user', 'settings', 'workspace']),
    readOnly: z.boolean(),
    /** `set` shows the mask (e.g. `sk-…vX2Q`); `other-origin`: saved for another base URL, not sent. */
    key: z.object({ state: z.enum(['set', 'none', 'not-needed', 'other-origin']), mask: z.string().optional() }).strict(),
    lastTest: z.object({ at: z.number(), ok: z.boolean(), summary: z.string() }).strict().optional(),
    isDefault: z.boolean(),
    defaultModel: z.string().optional(),
    models: z.array(z.string()),
  })
  .strict();
export type ProviderCard = z.infer<typeof providerCard>;

const templateInfo = z
  .object({
    id: z.string(),
    name: z.string(),
    baseUrl: z.string().optional(),
    keyUrl: z.string().optional(),
    key: z.enum(['required', 'optional', 'none']),
    keyPrefix: z.string().optional(),
    local: z.boolean(),
  })
  .strict();
export type TemplateInfo = z.infer<typeof templateInfo>;

const fallbackStep = z
  .object({
    provider: providerId,
    model: modelId,
    providerName: z.string(),
    /** The circuit breaker's view of this model: `open` is skipped until `retryAt`. */
    circuit: z.enum(['closed', 'open', 'half-open']),
    failures: z.number().int().nonnegative(),
    retryAt: z.number().optional(),
  })
  .strict();
export type PanelFallbackStep = z.infer<typeof fallbackStep>;

export const panelState = z
  .object({
    version: z.string().min(1),
    providers: z.array(providerCard),
    templates: z.array(templateInfo),
    fallback: z
      .object({
        /** The default model, always tried first. */
        first: fallbackStep.optional(),
        steps: z.array(fallbackStep),
        /** Where the chain comes from: the user's setting, or (when that is empty) a trusted workspace file. */
        source: z.enum(['settings', 'workspace']),
      })
      .strict(),
  })
  .strict();
export type PanelState = z.infer<typeof panelState>;

const spend = z
  .object({
    /** Oldest first, every day of the range (zero days included), US dollars by provider id. */
    days: z.array(z.object({ date: z.string(), byProvider: z.record(z.string(), z.number().nonnegative()) }).strict()),
    providers: z.array(z.object({ id: z.string(), name: z.string() }).strict()),
    models: z.array(z.object({ model: z.string(), usd: z.number().nonnegative(), requests: z.number().int().nonnegative(), inputTokens: z.number().int().nonnegative(), outputTokens: z.number().int().nonnegative(), unpriced: z.number().int().nonnegative() }).strict()),
    totals: z.object({ usd: z.number().nonnegative(), requests: z.number().int().nonnegative(), inputTokens: z.number().int().nonnegative(), outputTokens: z.number().int().nonnegative() }).strict(),
    todayUsd: z.number().nonnegative(),
    monthUsd: z.number().nonnegative(),
    projectedMonthUsd: z.number().nonnegative(),
    budgets: z.array(z.object({ budget: shownBudget, label: z.string(), spentUsd: z.number().nonnegative(), fraction: z.number().nonnegative() }).strict()),
  })
  .strict();
export type PanelSpend = z.infer<typeof spend>;

export const panelView = z.enum(['providers', 'add', 'models', 'usage', 'budgets', 'fallback', 'activity']);
export type PanelView = z.infer<typeof panelView>;

export const hostToWebview = z.discriminatedUnion('type', [
  /** Opened for one section (the status bar opens Usage). */
  z.object({ type: z.literal('show'), view: panelView }).strict(),
  /** Usage was recorded: a panel showing spend asks again. */
  z.object({ type: z.literal('spendChanged') }).strict(),
  z.object({ type: z.literal('state'), state: panelState }).strict(),
  /** A doctor stage as it finishes, for the request `id`. */
  z.object({ type: z.literal('stage'), id: z.number().int().nonnegative(), stage: stageResult }).strict(),
  z
    .object({
      type: z.literal('reply'),
      id: z.number().int().nonnegative(),
      report: report.optional(),
      providerId: providerId.optional(),
      models: z.array(modelRow).optional(),
      found: z.array(z.string()).optional(),
      spend: spend.optional(),
      catalog: z.object({ rows: z.array(catalogRow), failed: z.array(z.object({ providerName: z.string(), error: z.string() }).strict()) }).strict().optional(),
      audit: z.array(z.object({ at: z.number(), action: z.string(), providerId: z.string().optional(), detail: z.string().optional() }).strict()).optional(),
    })
    .strict(),
  /** The request `id` failed or was refused: one sentence for the user. */
  z.object({ type: z.literal('error'), id: z.number().int().nonnegative(), error: z.string() }).strict(),
]);
export type HostToWebview = z.infer<typeof hostToWebview>;

export type ParseResult<T> = { ok: true; message: T } | { ok: false; error: string };

/** Parses an untrusted message; the error names the offending field (e.g. `type: Invalid input`). */
export function parseMessage<T>(schema: z.ZodType<T>, raw: unknown): ParseResult<T> {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, message: result.data };
  const error = result.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(message)'}: ${issue.message}`)
    .join('; ');
  return { ok: false, error };
}
