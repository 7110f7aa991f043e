import * as z from '../core/zod';
import { BUDGET_ID_MAX, CONTROL_CHARACTER_MESSAGE, hasControlCharacter, MODEL_ID_MAX } from '../core/registry/ids';
import { HEADER_NAME, KEY_IN_BASE_URL, urlHoldsKey } from '../core/registry/keyShape';

/**
 * The one protocol between the provider panel (webview) and the extension host: a map of requests,
 * each with its params and its result, plus the events the host pushes. Each side parses what it
 * receives (and only that) and drops what does not fit. Keys travel one way only: typed in the
 * panel, sent to the host; the host sends masks. zod/mini keeps the panel's bundle small.
 */

const providerId = z.string().check(z.regex(/^[a-z0-9][a-z0-9._-]{0,63}$/));
// The core's rules for what enters the registry, so the panel names a bad field before it is used.
const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .check(z.refine((url) => !urlHoldsKey(url), KEY_IN_BASE_URL));
const modelId = z.string().check(z.minLength(1), z.maxLength(MODEL_ID_MAX));
/** A model id the panel sends: one the registry accepts. */
const newModelId = modelId.check(z.refine((id) => !hasControlCharacter(id), CONTROL_CHARACTER_MESSAGE));
const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
const count = z.int().check(z.nonnegative());
const usd = z.number().check(z.nonnegative());
const limit = (max: number) => z.nullable(z.number().check(z.positive(), z.lte(max)));
const price = z.nullable(z.number().check(z.nonnegative(), z.lte(100_000)));

/** A budget's id, the same when it is saved and when it is removed (and as long as the core allows). */
const budgetId = text(BUDGET_ID_MAX).check(z.refine((id) => !hasControlCharacter(id), CONTROL_CHARACTER_MESSAGE));

/** A budget as `switchboard.budgets` holds it (the host checks it again with the core's schema). */
const budget = z.strictObject({
  id: budgetId,
  scope: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('overall') }),
    z.strictObject({ kind: z.literal('provider'), providerId }),
    z.strictObject({ kind: z.literal('model'), providerId, modelId }),
  ]),
  period: z.enum(['daily', 'monthly']),
  limitUsd: z.number().check(z.positive(), z.lte(1_000_000)),
  alertAt: z.number().check(z.gt(0), z.lte(1)),
  mode: z.enum(['warn', 'ask', 'stop', 'switch']),
});
export type PanelBudget = z.infer<typeof budget>;

/** A budget as shown: any the core accepts from settings (hand-written ones included). */
const shownBudget = z.extend(budget, {
  id: z.string().check(z.minLength(1)),
  scope: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('overall') }),
    z.strictObject({ kind: z.literal('provider'), providerId: z.string().check(z.minLength(1)) }),
    z.strictObject({
      kind: z.literal('model'),
      providerId: z.string().check(z.minLength(1)),
      modelId: z.string().check(z.minLength(1)),
    }),
  ]),
  limitUsd: z.number().check(z.positive()),
});

/** The most tokens a cap may name (the core's MAX_TOKEN_CAP). */
const capTokens = z.optional(z.int().check(z.positive(), z.lte(100_000_000)));
/** A provider's per-request token caps as `switchboard.tokenCaps` holds them (the host checks them again with the core's schema). */
const tokenCap = z.strictObject({ providerId, softTokens: capTokens, hardTokens: capTokens });
export type PanelTokenCap = z.infer<typeof tokenCap>;
/** Token caps as shown: any the core accepts from settings (hand-written provider ids included). */
const shownTokenCap = z.extend(tokenCap, { providerId: z.string().check(z.minLength(1)) });

const stageResult = z.strictObject({
  stage: z.enum(['connect', 'tls', 'auth', 'models', 'chat']),
  status: z.enum(['pass', 'fail', 'skip']),
  message: z.string(),
  ms: z.optional(z.number().check(z.nonnegative())),
  code: z.optional(z.string()),
  /** A failure's raw answer from the server, kept out of the sentence. */
  detail: z.optional(z.string()),
});
export type PanelStage = z.infer<typeof stageResult>;

const limitSource = z.optional(z.enum(['provider', 'catalog', 'user']));
const label = z.optional(z.string().check(z.maxLength(300)));
/** A model row: limits and prices (US dollars per million tokens), each with where it came from. */
const modelRow = z.strictObject({
  id: modelId,
  name: z.optional(z.string()),
  contextWindow: z.optional(z.int().check(z.positive())),
  /** The most the model takes, where a local server runs it with less (`contextWindow`). */
  maxContextWindow: z.optional(z.int().check(z.positive())),
  /** A local server has the model in memory now. */
  loaded: z.optional(z.boolean()),
  maxOutputTokens: z.optional(z.int().check(z.positive())),
  prices: z.optional(z.strictObject({ input: usd, output: usd, cachedInput: z.optional(usd) })),
  /** `provider`: the provider's own model list (OpenRouter, a LiteLLM proxy). */
  priceSource: z.enum(['catalog', 'provider', 'user', 'local', 'estimated', 'unknown']),
  capabilities: z.array(z.enum(['tools', 'vision', 'reasoning'])),
  /** Where the limits came from: the provider's own list, the catalog, or the user. */
  sources: z.optional(z.strictObject({ contextWindow: limitSource, maxOutputTokens: limitSource })),
  /** Each fact's source and its date in words: "listed by OpenRouter, 2026-12-05", "catalog, 2026-09-23", "yours". */
  labels: z.optional(z.strictObject({ contextWindow: label, maxOutputTokens: label, price: label })),
  /** What changed since the user last looked: a new model, or its price ("price changed $2.50 → $3.00 in"). */
  change: z.optional(z.strictObject({ kind: z.enum(['new', 'price']), text: z.string().check(z.maxLength(300)) })),
  /** The model this one runs (an Azure deployment's): its facts and prices are that model's. */
  baseModel: z.optional(modelId),
});
export type ModelRow = z.infer<typeof modelRow>;

const catalogRow = z.extend(modelRow, {
  providerId,
  providerName: z.string(),
  chosen: z.boolean(),
  editable: z.boolean(),
  /** The user's own values only (what the edit form starts from). */
  userValues: z.strictObject({
    contextWindow: z.optional(z.number()),
    maxOutputTokens: z.optional(z.number()),
    input: z.optional(z.number()),
    output: z.optional(z.number()),
    cachedInput: z.optional(z.number()),
  }),
});
export type CatalogRow = z.infer<typeof catalogRow>;

const report = z.strictObject({
  ok: z.boolean(),
  stages: z.array(stageResult),
  suggestedBaseUrl: z.optional(z.string()),
  models: z.optional(z.array(modelRow)),
  /** The listed model the template recommends, which the wizard preselects as the default. */
  recommendedModel: z.optional(modelId),
  /** Azure: each named deployment's one-token check (those that answered are in `models`). */
  deployments: z.optional(
    z.array(z.strictObject({ id: modelId, ok: z.boolean(), message: z.string(), baseModel: z.optional(modelId) })),
  ),
});
export type PanelReport = z.infer<typeof report>;

const spend = z.strictObject({
  /** Oldest first, every day of the range (zero days included), US dollars by provider id. */
  days: z.array(z.strictObject({ date: z.string(), byProvider: z.record(z.string(), usd) })),
  providers: z.array(z.strictObject({ id: z.string(), name: z.string() })),
  models: z.array(
    z.strictObject({
      model: z.string(),
      usd,
      /** Answered requests; failed attempts (a 429 before a fallback answered) are apart, in `failed`. */
      requests: count,
      failed: count,
      inputTokens: count,
      outputTokens: count,
      unpriced: count,
      /** The provider's bill beside the list price, when they differ by more than 1 % ("$0.0123 billed (reported by OpenRouter) · …"). */
      billed: z.optional(z.string()),
    }),
  ),
  totals: z.strictObject({ usd, requests: count, failed: count, inputTokens: count, outputTokens: count }),
  /**
   * Who spent it over the range: VS Code's chat and other extensions (vscode.lm), @switchboard,
   * tests, and what was recorded before the ledger kept the surface; attempts include failed ones.
   */
  surfaces: z.array(z.strictObject({ name: z.string(), usd, attempts: count })),
  todayUsd: usd,
  monthUsd: usd,
  projectedMonthUsd: usd,
  budgets: z.array(
    z.strictObject({
      budget: shownBudget,
      label: z.string(),
      spentUsd: usd,
      fraction: z.number().check(z.nonnegative()),
    }),
  ),
  /** Each team gateway's figures (and the team's policy), by provider. */
  gateways: z.optional(
    z.array(
      z.strictObject({
        providerId,
        name: z.string(),
        lines: z.array(z.string().check(z.maxLength(2000))),
        /** A LiteLLM proxy: its spend log can be set beside this machine's records. */
        keepsSpendLog: z.boolean(),
      }),
    ),
  ),
});
export type PanelSpend = z.infer<typeof spend>;

const catalog = z.strictObject({
  rows: z.array(catalogRow),
  failed: z.array(z.strictObject({ providerName: z.string(), error: z.string() })),
  /** Models a provider no longer lists, since the user last looked (shown once). */
  gone: z.optional(
    z.array(
      z.strictObject({
        providerId,
        providerName: z.string(),
        id: modelId,
        /** Its last price, per million tokens. */
        was: z.optional(z.strictObject({ input: usd, output: usd })),
      }),
    ),
  ),
});
export type PanelCatalog = z.infer<typeof catalog>;

const auditEntry = z.strictObject({
  at: z.number(),
  action: z.string(),
  providerId: z.optional(z.string()),
  detail: z.optional(z.string()),
});
export type PanelAuditEntry = z.infer<typeof auditEntry>;

/** An Azure deployment as the wizard names it: its name, and (optionally) the model it runs. */
const deployment = z.strictObject({ id: newModelId, baseModel: z.optional(newModelId) });
const apiVersion = z.string().check(z.minLength(1), z.maxLength(40), z.regex(/^[\w.-]+$/));

/** A request header as the provider settings show it: a secret one has a mask, never its value. */
const headerRow = z.strictObject({
  name: z.string().check(z.regex(HEADER_NAME)),
  /** A plain header's value; a secret header's only when it is typed (to set or replace it). */
  value: z.optional(z.string().check(z.maxLength(8192))),
  secret: z.boolean(),
  mask: z.optional(z.string().check(z.maxLength(100))),
});
export type PanelHeader = z.infer<typeof headerRow>;
const optionalNumber = (min: number, max: number) => z.optional(z.number().check(z.gte(min), z.lte(max)));
/** What a real provider needs besides its address and key, as the panel edits it. */
const providerSettings = z.strictObject({
  headers: z.array(headerRow).check(z.maxLength(40)),
  /** Sent as OpenAI-Organization and OpenAI-Project. */
  organization: z.optional(z.string().check(z.maxLength(200))),
  project: z.optional(z.string().check(z.maxLength(200))),
  sampling: z.strictObject({
    temperature: optionalNumber(0, 2),
    topP: optionalNumber(0, 1),
    frequencyPenalty: optionalNumber(-2, 2),
    presencePenalty: optionalNumber(-2, 2),
    maxOutputTokens: z.optional(z.int().check(z.positive(), z.lte(10_000_000))),
  }),
  timeouts: z.strictObject({
    firstByteMs: z.optional(z.int().check(z.gte(1000), z.lte(3_600_000))),
    idleMs: z.optional(z.int().check(z.gte(1000), z.lte(3_600_000))),
  }),
  caBundlePath: z.optional(z.string().check(z.minLength(1), z.maxLength(4096))),
});
export type PanelProviderSettings = z.infer<typeof providerSettings>;

/** The result of a request that only acts (its effect reaches the panel as a new state). */
const done = z.null();
const onProvider = z.strictObject({ providerId });

/**
 * Every request the panel makes, by name: what it sends and what it gets back. The host has one
 * handler per name (src/panel/), the panel calls `request(name, params)` (webview/rpc.ts).
 */
export const requests = {
  /** The add wizard's Test Connection: the connection test on a provider not saved yet. */
  testDraft: {
    params: z.strictObject({
      template: text(100),
      baseUrl: httpUrl,
      apiKey: z.optional(z.string().check(z.maxLength(4096))),
      apiVersion: z.optional(apiVersion),
      /** Azure: the deployments to test (the first with the connection test, the others with a one-token check each). */
      deployments: z.optional(z.array(deployment).check(z.maxLength(50))),
    }),
    result: report,
  },
  addProvider: {
    params: z.strictObject({
      template: text(100),
      name: z.optional(text(100)),
      baseUrl: httpUrl,
      apiKey: z.optional(z.string().check(z.maxLength(4096))),
      models: z.array(newModelId).check(z.maxLength(500)),
      defaultModel: z.optional(newModelId),
      apiVersion: z.optional(apiVersion),
      /** The model each chosen model runs, where its id does not say (Azure deployments). */
      baseModels: z.optional(z.record(newModelId, newModelId)),
    }),
    result: z.strictObject({ providerId }),
  },
  /**
   * The add wizard's check of a model id the user typed (an endpoint without a model list, or a model
   * it does not list): the connection test's one-token chat on the draft, and the model's row.
   */
  checkDraftModel: {
    params: z.strictObject({
      template: text(100),
      baseUrl: httpUrl,
      apiKey: z.optional(z.string().check(z.maxLength(4096))),
      model: newModelId,
      apiVersion: z.optional(apiVersion),
      baseModel: z.optional(newModelId),
    }),
    result: z.strictObject({ ok: z.boolean(), stage: stageResult, model: modelRow }),
  },
  testProvider: { params: onProvider, result: report },
  listModels: { params: onProvider, result: z.array(modelRow) },
  setEnabled: { params: z.strictObject({ providerId, enabled: z.boolean() }), result: done },
  setDefault: { params: z.strictObject({ providerId, modelId: newModelId }), result: done },
  /** Opens VS Code's own password box: a key for a saved provider is never typed into the webview. */
  setKey: { params: onProvider, result: done },
  removeProvider: { params: onProvider, result: done },
  /** Opens VS Code's own editing prompts for the provider (name, base URL, API version). */
  editProvider: { params: onProvider, result: done },
  /** A provider's headers (secret ones masked), organization and project, sampling, timeouts and CA bundle. */
  providerSettings: { params: onProvider, result: providerSettings },
  /** Saves them: secret header values to secret storage, the rest on the provider. */
  saveProviderSettings: { params: z.extend(providerSettings, { providerId }), result: done },
  /** Opens VS Code's file picker for the provider's CA bundle: the chosen PEM file's path, or null when cancelled. */
  chooseCaBundle: { params: onProvider, result: z.nullable(z.string()) },
  /** The local servers found (and added). */
  detectLocal: { params: z.strictObject({}), result: z.strictObject({ found: z.array(z.string()) }) },
  /** Opens VS Code's chat on Switchboard's default model. */
  openChat: { params: z.strictObject({}), result: done },
  /** Spend by day and provider, by model, and each budget's use, over the last `days` days. */
  spend: { params: z.strictObject({ days: z.int().check(z.gte(1), z.lte(62)) }), result: spend },
  saveBudget: { params: z.strictObject({ budget }), result: done },
  removeBudget: { params: z.strictObject({ budgetId }), result: done },
  /** Each provider's per-request token caps (a warning in chat, a hard limit on every request). */
  tokenCaps: { params: z.strictObject({}), result: z.array(shownTokenCap) },
  saveTokenCap: { params: z.strictObject({ cap: tokenCap }), result: done },
  removeTokenCap: { params: z.strictObject({ providerId: text(512) }), result: done },
  exportUsage: { params: z.strictObject({ format: z.enum(['csv', 'json']) }), result: done },
  /** "Compare Spend with Team Gateway" for one gateway: the period is asked, the report opens in an editor. */
  compareGatewaySpend: { params: z.strictObject({ providerId }), result: done },
  /** The models to try after the default, in order (saved to switchboard.fallback.chain). */
  saveFallback: {
    params: z.strictObject({
      steps: z.array(z.strictObject({ provider: providerId, model: newModelId })).check(z.maxLength(20)),
    }),
    result: done,
  },
  /** The fallback settings beside the chain (switchboard.fallback.*): each one given is saved. */
  saveFallbackOptions: {
    params: z.strictObject({
      automatic: z.optional(z.boolean()),
      askBeforeSwitchingProviders: z.optional(z.boolean()),
      maxCostRatio: z.optional(z.number().check(z.gte(1), z.lte(1000))),
    }),
    result: done,
  },
  audit: { params: z.strictObject({}), result: z.array(auditEntry) },
  /** Every enabled provider's models (each provider asked for its list), for the models table. */
  allModels: { params: z.strictObject({}), result: catalog },
  /** The user's own limits and prices for one model (a custom model the catalog does not know). */
  saveOverrides: {
    params: z.strictObject({
      providerId,
      modelId: newModelId,
      // A number sets the user's own value; null clears it (the provider's or catalog's applies again).
      contextWindow: limit(100_000_000),
      maxOutputTokens: limit(100_000_000),
      input: price,
      output: price,
      cachedInput: price,
    }),
    result: done,
  },
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

const providerCard = z.strictObject({
  id: providerId,
  name: z.string(),
  template: z.optional(z.string()),
  templateName: z.optional(z.string()),
  baseUrl: z.string(),
  enabled: z.boolean(),
  source: z.enum(['user', 'settings', 'workspace']),
  readOnly: z.boolean(),
  /** `set` shows the mask (e.g. `sk-…vX2Q`); `other-origin`: saved for another base URL, not sent. */
  key: z.strictObject({ state: z.enum(['set', 'none', 'not-needed', 'other-origin']), mask: z.optional(z.string()) }),
  lastTest: z.optional(z.strictObject({ at: z.number(), ok: z.boolean(), summary: z.string() })),
  isDefault: z.boolean(),
  defaultModel: z.optional(z.string()),
  models: z.array(z.string()),
  /** The background checks' view (absent while they are off, or for a disabled provider). */
  health: z.optional(
    z.strictObject({
      state: z.enum(['healthy', 'slow', 'failing', 'no-free-call', 'no-key', 'unchecked']),
      lastMs: z.optional(z.number().check(z.nonnegative())),
      checkedAt: z.optional(z.number()),
      error: z.optional(z.string()),
    }),
  ),
  /** A team gateway's figures for the key and the team's policy ("Team gateway: $41.20 of $100 this month, …"). */
  gateway: z.optional(z.array(z.string().check(z.maxLength(2000))).check(z.maxLength(20))),
});
export type ProviderCard = z.infer<typeof providerCard>;

const templateInfo = z.strictObject({
  id: z.string(),
  name: z.string(),
  baseUrl: z.optional(z.string()),
  keyUrl: z.optional(z.string()),
  key: z.enum(['required', 'optional', 'none']),
  keyPrefix: z.optional(z.string()),
  local: z.boolean(),
  /** The API version the template documents (Azure's deployment URLs). */
  apiVersion: z.optional(z.string()),
});
export type TemplateInfo = z.infer<typeof templateInfo>;

const fallbackStep = z.strictObject({
  provider: providerId,
  model: modelId,
  providerName: z.string(),
  /** The circuit breaker's view of this model: `open` is skipped until `retryAt`. */
  circuit: z.enum(['closed', 'open', 'half-open']),
  failures: count,
  retryAt: z.optional(z.number()),
});
export type PanelFallbackStep = z.infer<typeof fallbackStep>;

export const panelState = z.strictObject({
  version: z.string().check(z.minLength(1)),
  providers: z.array(providerCard),
  templates: z.array(templateInfo),
  fallback: z.strictObject({
    /** The default model, always tried first. */
    first: z.optional(fallbackStep),
    steps: z.array(fallbackStep),
    /** Where the chain comes from: the user's setting, or (when that is empty) a trusted workspace file. */
    source: z.enum(['settings', 'workspace']),
    /** The settings beside the chain: automatic failover, asking before another provider, the cost ratio. */
    options: z.optional(
      z.strictObject({
        automatic: z.boolean(),
        askBeforeSwitchingProviders: z.boolean(),
        maxCostRatio: z.number().check(z.gte(1)),
      }),
    ),
  }),
});
export type PanelState = z.infer<typeof panelState>;

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
