import { ProviderError } from '../errors';
import { findTemplate } from '../templates';
import type { ChatRequest, Clock } from '../types';
import type { KeyStore } from './keys';
import type { ProviderEntry } from './schema';

/**
 * From a stored entry to what an adapter is built with: its key (read when a request starts, and
 * only for the origin it was saved for), the host's fetch, CA bundle and clock, and the user's
 * per-model settings filled into each request.
 */

/** What the host lends every adapter. */
export interface AdapterHost {
  /** The host's fetch (VS Code's, with its proxy support). */
  fetch: typeof fetch;
  /** Reads a CA bundle named by an entry (in VS Code: from disk). */
  readFile?: (path: string) => Promise<string>;
  clock?: Clock;
}

/** The entry's key as stored for its origin; a ProviderError says why there is none to use. */
export async function keyFor(keys: KeyStore, entry: ProviderEntry): Promise<string | undefined> {
  const lookup = await keys.lookup(entry.id, entry.baseUrl);
  const needsKey = findTemplate(entry.template ?? '')?.key === 'required';
  switch (lookup.status) {
    case 'ok':
      return lookup.key;
    case 'origin-mismatch':
      throw new ProviderError(
        'invalid_credentials',
        `The key for ${entry.name} was saved for ${lookup.storedFor}, but the provider now points at ${new URL(entry.baseUrl).origin}. Set its key again to use it there.`,
        { code: 'key_origin_mismatch' },
      );
    case 'unresolved':
      throw new ProviderError(
        'invalid_credentials',
        `The key reference ${lookup.reference} for ${entry.name} gave no value.`,
        { code: 'key_reference_unresolved' },
      );
    case 'none':
      if (needsKey)
        throw new ProviderError('invalid_credentials', `${entry.name} has no API key yet.`, { code: 'key_missing' });
      return undefined;
  }
}

/** The entry's secret header values (only those it names), stored for its origin; a ProviderError if they were saved for another. */
export async function secretHeadersFor(keys: KeyStore, entry: ProviderEntry): Promise<Record<string, string>> {
  const names = entry.secretHeaders ?? [];
  if (names.length === 0) return {};
  const lookup = await keys.headers(entry.id, entry.baseUrl);
  if (lookup.status === 'origin-mismatch')
    throw new ProviderError(
      'invalid_credentials',
      `The secret headers of ${entry.name} were saved for ${lookup.storedFor}, but the provider now points at ${new URL(entry.baseUrl).origin}. Set them again to use them there.`,
      { code: 'key_origin_mismatch' },
    );
  if (lookup.status === 'none') return {};
  return Object.fromEntries(names.flatMap((name) => (lookup.values[name] ? [[name, lookup.values[name]]] : [])));
}

/** The options an adapter for the entry is created (or the connection test run) with. */
export async function adapterOptions(
  host: AdapterHost,
  entry: ProviderEntry,
  key: string | undefined,
  secretHeaders: Record<string, string> = {},
) {
  // The template's fuller model list (OpenRouter's prices, LiteLLM's /model/info, LM Studio's /api/v0/models).
  const modelListing = findTemplate(entry.template ?? '')?.modelListing;
  return {
    type: entry.type,
    baseUrl: entry.baseUrl,
    apiKey: key,
    name: entry.name,
    fetch: host.fetch,
    ...(entry.headers ? { headers: entry.headers } : {}),
    ...(Object.keys(secretHeaders).length > 0 ? { secretHeaders } : {}),
    ...(entry.timeouts ? { timeouts: entry.timeouts } : {}),
    ...(entry.apiVersion ? { apiVersion: entry.apiVersion } : {}),
    ...(modelListing ? { modelListing } : {}),
    ...(entry.caBundlePath && host.readFile ? { ca: await host.readFile(entry.caBundlePath) } : {}),
    ...(host.clock ? { clock: host.clock } : {}),
  };
}

/**
 * The user's per-model settings (reasoning effort, thinking budget, extra body fields) and the
 * provider's default sampling fill what the request leaves out.
 */
export function withOverrides(entry: ProviderEntry | undefined, request: ChatRequest): ChatRequest {
  return withModelOverrides(entry, withSampling(entry?.sampling, request));
}

function withSampling(sampling: ProviderEntry['sampling'], request: ChatRequest): ChatRequest {
  if (!sampling) return request;
  const defaults: Partial<ChatRequest> = {
    temperature: sampling.temperature,
    topP: sampling.topP,
    frequencyPenalty: sampling.frequencyPenalty,
    presencePenalty: sampling.presencePenalty,
    maxTokens: sampling.maxOutputTokens,
  };
  const filled = { ...request };
  for (const [field, value] of Object.entries(defaults) as Array<[keyof ChatRequest, unknown]>)
    if (value !== undefined && filled[field] === undefined) Object.assign(filled, { [field]: value });
  return filled;
}

function withModelOverrides(entry: ProviderEntry | undefined, request: ChatRequest): ChatRequest {
  const model = entry?.models.find((candidate) => candidate.id === request.model);
  if (
    !model ||
    (model.reasoningEffort === undefined && model.thinkingBudget === undefined && model.extraBody === undefined)
  )
    return request;
  const options = request.providerOptions ?? {};
  return {
    ...request,
    providerOptions: {
      ...options,
      ...(options.reasoningEffort === undefined && model.reasoningEffort
        ? { reasoningEffort: model.reasoningEffort }
        : {}),
      ...(options.thinkingBudget === undefined && model.thinkingBudget !== undefined
        ? { thinkingBudget: model.thinkingBudget }
        : {}),
      ...(model.extraBody || options.extraBody ? { extraBody: { ...model.extraBody, ...options.extraBody } } : {}),
    },
  };
}
