import * as z from 'zod';
import { CONTROL_CHARACTER_MESSAGE, hasControlCharacter, MODEL_ID_MAX } from './ids';
import { HEADER_NAME, KEY_IN_BASE_URL, KEY_IN_HEADER, looksLikeKey, SECRET_HEADER, urlHoldsKey } from './keyShape';

/**
 * The registry's non-secret configuration as stored (in VS Code: globalState, not synced) and as
 * exported. Keys are never part of it: they live in secret storage only.
 */
export const REGISTRY_SCHEMA_VERSION = 1;

const PROVIDER_TYPES = ['openai', 'openai-compatible', 'anthropic', 'gemini', 'azure-openai', 'ollama'] as const;

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
/** Provider ids appear in secret-storage keys and commands: keep them plain. */
export const providerId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be 1-64 lower-case letters, digits, ".", "_" or "-"');

/** A model id as it enters: from settings, a file, the panel, the palette or a provider's model list. */
export const modelId = z
  .string()
  .min(1, 'must not be empty')
  .max(MODEL_ID_MAX, `must be at most ${MODEL_ID_MAX} characters`)
  .refine((id) => !hasControlCharacter(id), CONTROL_CHARACTER_MESSAGE);

/** A model a provider lists is offered only when its id could be chosen. */
export const isValidModelId = (id: string): boolean => modelId.safeParse(id).success;

/** A base URL as it enters: never with a key in it (it is stored and exported in plain text). */
export const baseUrl = httpUrl.refine((url) => !urlHoldsKey(url), KEY_IN_BASE_URL);

/** What is wrong with a base URL as typed (for an input box), if anything. */
export function checkBaseUrl(value: string): string | undefined {
  if (!httpUrl.safeParse(value).success) return 'Enter an http(s) URL.';
  return urlHoldsKey(value) ? KEY_IN_BASE_URL : undefined;
}

export const modelOverrides = z.object({
  /**
   * The model this one runs, where its id does not say (an Azure deployment is named by the user):
   * its limits, capabilities and prices are that model's. Set by the user, or read from the answer.
   */
  baseModel: z
    .string()
    .min(1)
    .max(MODEL_ID_MAX)
    .refine((id) => !hasControlCharacter(id), CONTROL_CHARACTER_MESSAGE)
    .optional(),
  contextWindow: z.number().int().positive().optional(),
  maxOutputTokens: z.number().int().positive().optional(),
  /** US dollars per million tokens. */
  prices: z
    .object({
      input: z.number().nonnegative().optional(),
      output: z.number().nonnegative().optional(),
      cachedInput: z.number().nonnegative().optional(),
      cacheWrite: z.number().nonnegative().optional(),
    })
    .strict()
    .optional(),
  reasoningEffort: z.enum(['minimal', 'low', 'medium', 'high']).optional(),
  thinkingBudget: z.number().int().nonnegative().optional(),
  extraBody: z.record(z.string(), z.unknown()).optional(),
});

/** A chosen model as stored (see providerEntry); `newChosenModel` is what may enter. */
export const chosenModel = z
  .object({ id: z.string().min(1), name: z.string().optional() })
  .extend(modelOverrides.shape)
  .strict();
export const newChosenModel = chosenModel.extend({ id: modelId });

export const connectionTest = z
  .object({
    at: z.number().int().nonnegative(),
    ok: z.boolean(),
    /** The first failing stage's message, or a summary. */
    summary: z.string(),
  })
  .strict();

const headerName = z.string().regex(HEADER_NAME, 'must be a header name (letters, digits and -)');

const headerNames = z
  .record(z.string(), z.string())
  .refine(
    (headers) => !Object.keys(headers).some((name) => SECRET_HEADER.test(name)),
    'must not hold an auth header: set the key with "Set API Key"',
  );

/** Header values as they enter: each one is kept in plain text, so none may hold a key. */
export const headers = headerNames.superRefine((values, context) => {
  for (const [name, value] of Object.entries(values)) {
    if (!HEADER_NAME.test(name))
      context.addIssue({ code: 'custom', path: [name], message: 'must be a header name (letters, digits and -)' });
    if (looksLikeKey(value)) context.addIssue({ code: 'custom', path: [name], message: KEY_IN_HEADER });
  }
});

/** A CA bundle's path as it enters: a PEM file on this machine. */
export const caBundlePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((path) => !hasControlCharacter(path), CONTROL_CHARACTER_MESSAGE);

/** Headers whose values are kept in secret storage (their names only here), bound to the provider's origin. */
export const secretHeaderNames = z.array(headerName).max(20);

/** How long to wait for a provider: for the first byte of its answer, and between two pieces of it. */
export const timeouts = z
  .object({
    firstByteMs: z.number().int().min(1000).max(3_600_000).optional(),
    idleMs: z.number().int().min(1000).max(3_600_000).optional(),
  })
  .strict();

/** Sampling applied to every request that does not set it. */
export const sampling = z
  .object({
    temperature: z.number().min(0).max(2).optional(),
    topP: z.number().min(0).max(1).optional(),
    frequencyPenalty: z.number().min(-2).max(2).optional(),
    presencePenalty: z.number().min(-2).max(2).optional(),
    maxOutputTokens: z.number().int().positive().max(10_000_000).optional(),
  })
  .strict();

/**
 * A provider as stored. Stored data is read with the rules it was written under, so that a rule
 * added since never sets a user's provider aside; everything new is checked with `newProviderEntry`.
 */
export const providerEntry = z
  .object({
    id: providerId,
    name: z.string().min(1).max(100),
    /** A built-in template id (see templates.ts), or absent for a hand-made entry. */
    template: z.string().optional(),
    type: z.enum(PROVIDER_TYPES),
    baseUrl: httpUrl,
    apiVersion: z.string().optional(),
    headers: headerNames.optional(),
    /** Names of headers whose values are in secret storage (see KeyStore.headers). */
    secretHeaders: secretHeaderNames.optional(),
    /** Path of a PEM CA bundle for a self-hosted endpoint. */
    caBundlePath: z.string().optional(),
    /** The user's mark: runs on their machine and costs nothing (as the Ollama and LM Studio templates do). Never inferred from the address. */
    local: z.boolean().optional(),
    timeouts: timeouts.optional(),
    sampling: sampling.optional(),
    enabled: z.boolean(),
    models: z.array(chosenModel),
    defaultModel: z.string().optional(),
    createdAt: z.number().int().nonnegative(),
    updatedAt: z.number().int().nonnegative(),
    lastTest: connectionTest.optional(),
  })
  .strict();
export type ProviderEntry = z.infer<typeof providerEntry>;

/** A provider as it enters (import, the panel, the palette): ids, base URL and headers checked in full. */
export const newProviderEntry = providerEntry.extend({
  baseUrl,
  headers: headers.optional(),
  caBundlePath: caBundlePath.optional(),
  models: z.array(newChosenModel),
  defaultModel: modelId.optional(),
});

export const registryState = z
  .object({
    schemaVersion: z.literal(REGISTRY_SCHEMA_VERSION),
    providers: z
      .array(providerEntry)
      .refine(
        (providers) => new Set(providers.map((entry) => entry.id)).size === providers.length,
        'provider ids must be unique',
      ),
    defaultProvider: z.string().optional(),
    /** The default model of the default provider (kept here too, for providers declared read-only). */
    defaultModel: z.string().optional(),
  })
  .strict();
export type RegistryState = z.infer<typeof registryState>;

export const emptyRegistry = (): RegistryState => ({ schemaVersion: REGISTRY_SCHEMA_VERSION, providers: [] });

/** Every problem with its path, e.g. `providers[2].baseUrl: must be an http(s) URL`. */
export function describeIssues(error: z.core.$ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.reduce<string>(
      (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)),
      '',
    );
    return `${path || '(root)'}: ${issue.message}`;
  });
}
