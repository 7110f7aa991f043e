import * as z from '../../zod';
import { urlHoldsKey } from '../keyShape';
import {
  compatibleEndpoint,
  CUSTOM,
  importedAsCustom,
  isHttpUrl,
  member,
  readKey,
  type Collector,
  type Draft,
} from './collect';

/**
 * VS Code's `chatLanguageModels.json` (Chat: Manage Language Models; see
 * https://code.visualstudio.com/docs/copilot/customization/language-models#_model-configuration-reference):
 * a list of provider groups `{ name, vendor, apiKey, apiType, url, models: [{ id, name, url, apiType,
 * requestHeaders, … }] }`. A model's `url` is its full endpoint (…/v1/chat/completions, …/responses,
 * …/v1/messages); the base URL is what comes before the API path.
 */

const byokModel = z.object({
  id: z.string(),
  name: z.optional(z.string()),
  url: z.optional(z.string()),
  apiType: z.optional(z.string()),
  requestHeaders: z.optional(z.record(z.string(), z.unknown())),
});

const byokGroup = z.object({
  name: z.optional(z.string()),
  vendor: z.string(),
  apiKey: z.optional(z.string()),
  apiType: z.optional(z.string()),
  url: z.optional(z.string()),
  models: z.optional(z.array(z.unknown())),
});

export const byokFile = z.array(z.unknown());

/** VS Code's built-in vendors and the template each becomes. */
const VENDORS: Record<string, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  gemini: 'gemini',
  azure: 'azure-openai',
  groq: 'groq',
  openrouter: 'openrouter',
  xai: 'xai',
  deepseek: 'deepseek',
  mistral: 'mistral',
  ollama: 'ollama',
};
/** The Custom Endpoint provider, and the OpenAI Compatible provider it replaced. */
const CUSTOM_VENDORS = new Set(['customendpoint', 'customoai']);

const API_PATH = /\/(chat\/completions|responses|messages)\/?$/;

/** A full endpoint URL's base and API type: …/v1/chat/completions → …/v1, chat-completions. */
function endpoint(url: string): { base: string; api?: string } {
  // A URL that is no URL or holds a key goes to the collector as it is, to be refused there.
  if (!isHttpUrl(url) || urlHoldsKey(url)) return { base: url };
  const parsed = new URL(url);
  const match = API_PATH.exec(parsed.pathname);
  if (!match) return { base: url };
  const api = match[1] === 'chat/completions' ? 'chat-completions' : match[1];
  return { base: `${parsed.origin}${parsed.pathname.slice(0, match.index)}`, api };
}

export function readByok(file: unknown[], collector: Collector): void {
  file.forEach((raw, groupIndex) => {
    const groupPath = `[${groupIndex}]`;
    const parsed = byokGroup.safeParse(raw);
    if (!parsed.success) {
      collector.issues(groupPath, parsed.error);
      return;
    }
    const group = parsed.data;
    const vendor = group.vendor.toLowerCase();
    const custom = CUSTOM_VENDORS.has(vendor);
    const builtIn = VENDORS[vendor];
    const warnings: string[] = [];
    if (!builtIn && !custom) warnings.push(importedAsCustom(member(groupPath, 'vendor'), group.vendor));
    const key = readKey(group.apiKey, member(groupPath, 'apiKey'), warnings);
    if (group.apiKey === undefined && builtIn)
      warnings.push(
        `${member(groupPath, 'apiKey')}: not in the file (VS Code keeps the keys it asks for in its own secret storage); set it with "Switchboard: Set API Key"`,
      );
    const models: Array<{ model: z.infer<typeof byokModel>; path: string }> = [];
    (group.models ?? []).forEach((item, index) => {
      const path = `${member(groupPath, 'models')}[${index}]`;
      const model = byokModel.safeParse(item);
      if (model.success) models.push({ model: model.data, path });
      else collector.issues(path, model.error);
    });
    /** One draft per endpoint: models at the same URL share it (the collector merges them). */
    const add = (
      url: { value: string; path: string } | undefined,
      apiType: string | undefined,
      entry?: (typeof models)[number],
    ) => {
      const entryWarnings = [...warnings];
      let template = builtIn ?? CUSTOM;
      let baseUrl = url;
      if (url) {
        const { base, api } = endpoint(url.value);
        const type = apiType ?? api;
        if (builtIn) baseUrl = { value: base, path: url.path };
        else if (type === 'messages')
          ({ template, baseUrl } = { template: 'anthropic', baseUrl: { value: base, path: url.path } });
        else if (type === 'responses')
          ({ template, baseUrl } = { template: 'openai', baseUrl: { value: base, path: url.path } });
        else ({ template, baseUrl } = compatibleEndpoint(base, url.path));
      } else if (!builtIn) {
        collector.skip(entry?.path ?? groupPath, 'no url to reach this endpoint at');
        return;
      }
      if (entry?.model.requestHeaders && Object.keys(entry.model.requestHeaders).length > 0)
        entryWarnings.push(`${entry.path}.requestHeaders: headers are not imported; add them in Switchboard if needed`);
      const draftModels: Draft['models'] = entry ? [{ id: entry.model.id, path: `${entry.path}.id` }] : [];
      collector.add({
        path: entry?.path ?? groupPath,
        name: group.name,
        template,
        ...(baseUrl ? { baseUrl } : {}),
        models: draftModels,
        key,
        warnings: entryWarnings,
      });
    };
    const groupUrl = group.url ? { value: group.url, path: member(groupPath, 'url') } : undefined;
    if (models.length === 0) add(groupUrl, group.apiType);
    for (const entry of models) {
      const url = entry.model.url ? { value: entry.model.url, path: `${entry.path}.url` } : groupUrl;
      add(url, entry.model.apiType ?? group.apiType, entry);
    }
  });
}
