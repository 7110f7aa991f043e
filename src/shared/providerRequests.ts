import * as z from '../core/zod';
import { HEADER_NAME, KEY_IN_BASE_URL, urlHoldsKey } from '../core/registry/keyShape';
import { modelRow } from './modelRequests';
import { done, modelId, newModelId, onProvider, providerId, text } from './protocolFields';

export const stageResult = z.strictObject({
  stage: z.enum(['connect', 'tls', 'auth', 'models', 'chat']),
  status: z.enum(['pass', 'fail', 'skip']),
  message: z.string(),
  ms: z.optional(z.number().check(z.nonnegative())),
  code: z.optional(z.string()),
  /** A failure's raw answer from the server, kept out of the sentence. */
  detail: z.optional(z.string()),
});
export type PanelStage = z.infer<typeof stageResult>;

/** A connection test's report (on a saved provider, or on the add wizard's draft). */
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

// The core's rule for a base URL, so the wizard names a bad field before it is used.
const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .check(z.refine((url) => !urlHoldsKey(url), KEY_IN_BASE_URL));
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

/**
 * The providers, add and provider settings sections: a draft provider's connection test, model check
 * and adding it; a saved provider's test, models, switches, key and settings; the local servers.
 */
export const providerRequests = {
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
} as const;
