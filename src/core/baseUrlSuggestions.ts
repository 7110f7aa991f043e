import type { AzureAddress } from './azureUrl';
import type { ConnectionTestOptions } from './connectionTest';
import type { ProviderError } from './errors';
import { createProvider } from './provider';
import type { ModelInfo } from './types';

// Where a provider may answer when the base URL given does not: the usual mistakes and Azure's two URL forms.

/** Base URLs people paste by mistake, and the one they meant. */
export function baseUrlCandidates(baseUrl: string): string[] {
  const trimmed = baseUrl.replace(/\/+$/, '');
  const candidates = new Set<string>();
  const withoutEndpoint = trimmed.replace(/\/(chat\/completions|completions|responses|messages|models)$/, '');
  if (withoutEndpoint !== trimmed) candidates.add(withoutEndpoint);
  for (const base of [withoutEndpoint]) {
    if (/\/v1\/v1$/.test(base)) candidates.add(base.replace(/\/v1$/, ''));
    else if (/\/v1$/.test(base)) candidates.add(base.replace(/\/v1$/, ''));
    else candidates.add(`${base}/v1`);
  }
  candidates.delete(trimmed);
  return [...candidates];
}

/**
 * Azure's two URL forms, each the other's fix: a resource whose deployment URLs answer nothing may
 * answer at `/openai/v1`, and the reverse; a path before /openai that does not belong is dropped.
 * Never `/v1` on the resource: Azure has no such path.
 */
export function azureCandidates(address: AzureAddress): Array<{ baseUrl: string; form: AzureAddress['form'] }> {
  const origin = new URL(address.resource).origin;
  const resources = [...new Set([address.resource, origin])];
  const candidates = resources.flatMap((resource) => [
    { baseUrl: `${resource}/openai/v1`, form: 'v1' as const },
    { baseUrl: resource, form: 'deployment' as const },
  ]);
  const current = address.form === 'v1' ? `${address.resource}/openai/v1` : address.resource;
  return candidates.filter((candidate) => candidate.baseUrl !== current);
}

interface Suggestion {
  baseUrl: string;
  works: () => Promise<ModelInfo[] | undefined>;
}

/**
 * Where else the provider may answer, each with the free request (or, for an Azure deployment URL,
 * the one-token chat) that shows it does. A deployment Azure does not have is not a URL mistake.
 */
export function suggestions(
  options: ConnectionTestOptions,
  azure: AzureAddress | undefined,
  error: ProviderError,
): Suggestion[] {
  const signal = options.signal;
  if (!azure)
    return baseUrlCandidates(options.baseUrl ?? '').map((baseUrl) => ({
      baseUrl,
      works: () => createProvider({ ...options, baseUrl }).listModels({ signal }),
    }));
  if (error.kind === 'model_not_found') return [];
  return azureCandidates(azure).flatMap(({ baseUrl, form }): Suggestion[] => {
    const provider = createProvider({ ...options, baseUrl });
    if (form === 'v1') return [{ baseUrl, works: () => provider.listModels({ signal }) }];
    const model = options.model;
    if (!model) return [];
    const chat = options.wrapChat ? options.wrapChat(provider) : provider;
    return [
      {
        baseUrl,
        works: async () => {
          for await (const event of chat.chat(
            { model, messages: [{ role: 'user', content: 'Hi' }], maxTokens: 1, stream: false },
            { signal },
          ))
            void event;
          return undefined;
        },
      },
    ];
  });
}
