import { findTemplate, PROVIDER_TEMPLATES, type ProviderTemplate } from '../templates';
import type { ProviderType } from '../types';

/** The API types that are one provider's own API: an entry of that type is that provider (or a proxy of it). */
const OWN_API: Partial<Record<ProviderType, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  gemini: 'gemini',
  'azure-openai': 'azure-openai',
  ollama: 'ollama',
};

/** Ollama's hosted service speaks Ollama's API but is billed and needs a key: not the local server's template. */
const OLLAMA_CLOUD = 'ollama.com';

const hostOf = (url: string): string | undefined => (URL.canParse(url) ? new URL(url).host.toLowerCase() : undefined);

/**
 * The template a provider declared without one is taken for, so its key requirement, prices and
 * model listing are those of a templated one: the template of the same type whose address is this
 * one's (api.deepseek.com → DeepSeek), else the template a provider's own API type names (ollama →
 * Ollama). Never a local template from an address alone: a keyless endpoint on 127.0.0.1 may be a
 * gateway to paid models, and "local and free" is the template's or the user's word (`local`).
 */
export function inferTemplate(type: ProviderType, baseUrl: string): ProviderTemplate | undefined {
  const host = hostOf(baseUrl);
  const byAddress = PROVIDER_TEMPLATES.find(
    (template) => !template.local && template.type === type && template.baseUrl && hostOf(template.baseUrl) === host,
  );
  if (byAddress) return byAddress;
  if (type === 'ollama' && host !== undefined && new URL(baseUrl).hostname.toLowerCase() === OLLAMA_CLOUD)
    return undefined;
  const own = OWN_API[type];
  return own ? findTemplate(own) : undefined;
}

/** Local and free: the user's own mark on the provider, else its template's (Ollama, LM Studio). */
export function isLocalProvider(entry: { local?: boolean; template?: string }): boolean {
  return entry.local ?? findTemplate(entry.template ?? '')?.local === true;
}
