import * as z from '../core/zod';
import { count, modelId, providerId } from './protocolFields';

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

/** The state the host pushes whenever it changes: the provider cards, the templates and the fallback chain. */
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
