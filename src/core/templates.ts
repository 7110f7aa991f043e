import type { ModelListing } from './adapters/listings';
import { AZURE_API_VERSION } from './azureUrl';
import type { ProviderType } from './types';

/** A built-in starting point for a provider: its API family, default endpoint and where keys come from. */
export interface ProviderTemplate {
  id: string;
  name: string;
  type: ProviderType;
  /** Undefined where every user's endpoint differs (Azure, custom servers). */
  baseUrl?: string;
  /** Where the user creates a key. */
  keyUrl?: string;
  /** Where the user sees and raises their usage cap (chat links it when the provider says the quota is used up). */
  billingUrl?: string;
  /** 'required', 'optional' (self-hosted servers started with a key), or 'none' (local servers). */
  key: 'required' | 'optional' | 'none';
  /** How keys from this provider start, to catch a key pasted into the wrong provider. */
  keyPrefix?: string;
  /** Catalog ids that hold this provider's model facts and prices (see catalog.ts). */
  catalogIds: string[];
  /** Runs on the user's machine: costs nothing, needs no key, is looked for by "detect local providers". */
  local?: boolean;
  /**
   * Where the server says more about its models than `/models` does (createProvider's `modelListing`):
   * OpenRouter's prices, a LiteLLM proxy's `/model/info`, LM Studio's `/api/v0/models`.
   */
  modelListing?: ModelListing;
  /**
   * The model the add wizard preselects as the provider's default when the provider lists it (or a
   * dated snapshot of it): a current, capable and moderately priced one, not whatever is listed first.
   */
  recommendedModel?: string;
  /** The API version sent where the provider's URLs carry one (Azure's deployment form). */
  apiVersion?: string;
}

/**
 * Base URLs and key pages as the providers document them. Endpoints that speak OpenAI's Chat
 * Completions use the 'openai-compatible' family, with their quirks handled in the adapter.
 */
export const PROVIDER_TEMPLATES: readonly ProviderTemplate[] = [
  {
    id: 'openai',
    name: 'OpenAI',
    type: 'openai',
    baseUrl: 'https://api.openai.com/v1',
    keyUrl: 'https://platform.openai.com/api-keys',
    billingUrl: 'https://platform.openai.com/settings/organization/billing/overview',
    key: 'required',
    keyPrefix: 'sk-',
    catalogIds: ['openai'],
    recommendedModel: 'gpt-5-mini',
  },
  {
    id: 'anthropic',
    name: 'Anthropic',
    type: 'anthropic',
    baseUrl: 'https://api.anthropic.com',
    keyUrl: 'https://console.anthropic.com/settings/keys',
    billingUrl: 'https://console.anthropic.com/settings/billing',
    key: 'required',
    keyPrefix: 'sk-ant-',
    catalogIds: ['anthropic'],
    recommendedModel: 'claude-sonnet-4-5',
  },
  {
    id: 'gemini',
    name: 'Google Gemini',
    type: 'gemini',
    baseUrl: 'https://generativelanguage.googleapis.com',
    keyUrl: 'https://aistudio.google.com/app/apikey',
    billingUrl: 'https://aistudio.google.com/usage',
    key: 'required',
    keyPrefix: 'AIza',
    catalogIds: ['google'],
    recommendedModel: 'gemini-2.5-flash',
  },
  {
    id: 'azure-openai',
    name: 'Azure OpenAI',
    type: 'azure-openai',
    keyUrl: 'https://portal.azure.com/#view/Microsoft_Azure_ProjectOxford/CognitiveServicesHub/~/OpenAI',
    key: 'required',
    catalogIds: ['azure', 'openai'],
    apiVersion: AZURE_API_VERSION,
  },
  {
    id: 'deepseek',
    name: 'DeepSeek',
    type: 'openai-compatible',
    baseUrl: 'https://api.deepseek.com',
    keyUrl: 'https://platform.deepseek.com/api_keys',
    billingUrl: 'https://platform.deepseek.com/top_up',
    key: 'required',
    keyPrefix: 'sk-',
    catalogIds: ['deepseek'],
    recommendedModel: 'deepseek-chat',
  },
  {
    id: 'xai',
    name: 'xAI',
    type: 'openai-compatible',
    baseUrl: 'https://api.x.ai/v1',
    keyUrl: 'https://console.x.ai',
    billingUrl: 'https://console.x.ai',
    key: 'required',
    keyPrefix: 'xai-',
    catalogIds: ['x-ai', 'xai'],
    recommendedModel: 'grok-4',
  },
  {
    id: 'mistral',
    name: 'Mistral',
    type: 'openai-compatible',
    baseUrl: 'https://api.mistral.ai/v1',
    keyUrl: 'https://console.mistral.ai/api-keys',
    billingUrl: 'https://console.mistral.ai/billing',
    key: 'required',
    catalogIds: ['mistral'],
    recommendedModel: 'mistral-medium-latest',
  },
  {
    id: 'groq',
    name: 'Groq',
    type: 'openai-compatible',
    baseUrl: 'https://api.groq.com/openai/v1',
    keyUrl: 'https://console.groq.com/keys',
    billingUrl: 'https://console.groq.com/settings/billing',
    key: 'required',
    keyPrefix: 'gsk_',
    catalogIds: ['groq'],
    recommendedModel: 'llama-3.3-70b-versatile',
  },
  {
    id: 'openrouter',
    name: 'OpenRouter',
    type: 'openai-compatible',
    baseUrl: 'https://openrouter.ai/api/v1',
    keyUrl: 'https://openrouter.ai/settings/keys',
    billingUrl: 'https://openrouter.ai/settings/credits',
    key: 'required',
    keyPrefix: 'sk-or-',
    catalogIds: ['openrouter'],
    recommendedModel: 'openai/gpt-5-mini',
    modelListing: 'openrouter',
  },
  {
    id: 'together',
    name: 'Together AI',
    type: 'openai-compatible',
    baseUrl: 'https://api.together.xyz/v1',
    keyUrl: 'https://api.together.ai/settings/api-keys',
    billingUrl: 'https://api.together.ai/settings/billing',
    key: 'required',
    catalogIds: ['together', 'togetherai'],
  },
  {
    id: 'fireworks',
    name: 'Fireworks AI',
    type: 'openai-compatible',
    baseUrl: 'https://api.fireworks.ai/inference/v1',
    keyUrl: 'https://fireworks.ai/account/api-keys',
    billingUrl: 'https://fireworks.ai/account/billing',
    key: 'required',
    keyPrefix: 'fw_',
    catalogIds: ['fireworks', 'fireworks-ai'],
  },
  {
    id: 'perplexity',
    name: 'Perplexity',
    type: 'openai-compatible',
    baseUrl: 'https://api.perplexity.ai',
    keyUrl: 'https://www.perplexity.ai/settings/api',
    billingUrl: 'https://www.perplexity.ai/settings/api',
    key: 'required',
    keyPrefix: 'pplx-',
    catalogIds: ['perplexity'],
    recommendedModel: 'sonar',
  },
  {
    id: 'ollama',
    name: 'Ollama',
    type: 'ollama',
    baseUrl: 'http://127.0.0.1:11434',
    key: 'none',
    catalogIds: [],
    local: true,
  },
  {
    id: 'lmstudio',
    name: 'LM Studio',
    type: 'openai-compatible',
    baseUrl: 'http://127.0.0.1:1234/v1',
    key: 'none',
    catalogIds: [],
    local: true,
    modelListing: 'lmstudio',
  },
  {
    id: 'vllm',
    name: 'vLLM',
    type: 'openai-compatible',
    baseUrl: 'http://127.0.0.1:8000/v1',
    key: 'optional',
    catalogIds: [],
  },
  {
    id: 'litellm',
    name: 'LiteLLM proxy',
    type: 'openai-compatible',
    baseUrl: 'http://127.0.0.1:4000',
    key: 'optional',
    catalogIds: [],
    modelListing: 'litellm',
  },
  { id: 'custom', name: 'Custom OpenAI-compatible', type: 'openai-compatible', key: 'optional', catalogIds: [] },
];

/** The listed model a template recommends: its id, else its newest dated snapshot (`claude-sonnet-4-5-20250929`). */
export function recommendedAmong(
  template: Pick<ProviderTemplate, 'recommendedModel'>,
  ids: readonly string[],
): string | undefined {
  const recommended = template.recommendedModel;
  if (!recommended) return undefined;
  if (ids.includes(recommended)) return recommended;
  return ids
    .filter((id) => id.startsWith(`${recommended}-`) && /^\d/.test(id.slice(recommended.length + 1)))
    .sort()
    .at(-1);
}

export function findTemplate(id: string): ProviderTemplate | undefined {
  return PROVIDER_TEMPLATES.find((template) => template.id === id);
}
