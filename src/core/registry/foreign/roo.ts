import * as z from '../../zod';
import type { ModelPrices } from '../../cost/pricing';
import {
  compatibleEndpoint,
  CUSTOM,
  importedAsCustom,
  member,
  readKey,
  unreachableUnknown,
  type Collector,
  type Draft,
} from './collect';

/**
 * A Roo Code (or Kilo Code, its fork) settings export: Settings → Export writes
 * `{ providerProfiles: { currentApiConfigName, apiConfigs: { <profile name>: { apiProvider, … } } },
 * globalSettings }` with keys in plain text (https://docs.roocode.com/features/settings-management).
 * Each profile's fields depend on its `apiProvider`; the names below are those of Roo Code's
 * provider settings schema (packages/types/src/provider-settings.ts).
 */

export const rooFile = z.object({
  providerProfiles: z.object({
    currentApiConfigName: z.optional(z.string()),
    apiConfigs: z.record(z.string(), z.record(z.string(), z.unknown())),
  }),
});

interface RooProvider {
  template: string;
  baseUrl?: string;
  key?: string;
  model: string;
}

const PROVIDERS: Record<string, RooProvider> = {
  anthropic: { template: 'anthropic', baseUrl: 'anthropicBaseUrl', key: 'apiKey', model: 'apiModelId' },
  'openai-native': {
    template: 'openai',
    baseUrl: 'openAiNativeBaseUrl',
    key: 'openAiNativeApiKey',
    model: 'apiModelId',
  },
  // "OpenAI Compatible": any endpoint, or Azure OpenAI with openAiUseAzure.
  openai: { template: CUSTOM, baseUrl: 'openAiBaseUrl', key: 'openAiApiKey', model: 'openAiModelId' },
  openrouter: {
    template: 'openrouter',
    baseUrl: 'openRouterBaseUrl',
    key: 'openRouterApiKey',
    model: 'openRouterModelId',
  },
  gemini: { template: 'gemini', baseUrl: 'googleGeminiBaseUrl', key: 'geminiApiKey', model: 'apiModelId' },
  deepseek: { template: 'deepseek', baseUrl: 'deepSeekBaseUrl', key: 'deepSeekApiKey', model: 'apiModelId' },
  mistral: { template: 'mistral', key: 'mistralApiKey', model: 'apiModelId' },
  xai: { template: 'xai', key: 'xaiApiKey', model: 'apiModelId' },
  groq: { template: 'groq', key: 'groqApiKey', model: 'apiModelId' },
  fireworks: { template: 'fireworks', key: 'fireworksApiKey', model: 'apiModelId' },
  ollama: { template: 'ollama', baseUrl: 'ollamaBaseUrl', key: 'ollamaApiKey', model: 'ollamaModelId' },
  lmstudio: { template: 'lmstudio', baseUrl: 'lmStudioBaseUrl', model: 'lmStudioModelId' },
  litellm: { template: 'litellm', baseUrl: 'litellmBaseUrl', key: 'litellmApiKey', model: 'litellmModelId' },
};

const UNSUPPORTED: Record<string, string> = {
  bedrock: 'Amazon Bedrock',
  vertex: 'Google Vertex AI',
  'vscode-lm': "VS Code's language model API",
  'gemini-cli': 'Gemini CLI sign-in',
  'claude-code': 'Claude Code sign-in',
  'openai-codex': 'ChatGPT sign-in',
  'qwen-code': 'Qwen Code sign-in',
  roo: 'Roo Code Cloud',
  kilocode: "Kilo Code's own gateway",
  'human-relay': 'Human relay',
  'fake-ai': 'A test provider',
};

/** Roo Code's custom model info (per million tokens, as Switchboard's prices are). */
const customModelInfo = z.nullish(
  z.object({
    inputPrice: z.nullish(z.number()),
    outputPrice: z.nullish(z.number()),
    cacheReadsPrice: z.nullish(z.number()),
    cacheWritesPrice: z.nullish(z.number()),
  }),
);

export function readRoo(file: z.infer<typeof rooFile>, collector: Collector): void {
  const root = 'providerProfiles.apiConfigs';
  for (const [profileName, profile] of Object.entries(file.providerProfiles.apiConfigs)) {
    const path = member(root, profileName);
    /** A string field of the profile, or an error naming it. */
    const text = (field: string | undefined): string | undefined => {
      if (!field || profile[field] === undefined || profile[field] === null) return undefined;
      if (typeof profile[field] === 'string') return profile[field];
      collector.error(member(path, field), 'must be a string');
      return undefined;
    };
    const apiProvider = text('apiProvider');
    if (!apiProvider) {
      if (profile.apiProvider === undefined) collector.skip(path, 'no provider chosen in this profile');
      continue;
    }
    if (UNSUPPORTED[apiProvider]) {
      collector.skip(member(path, 'apiProvider'), `${UNSUPPORTED[apiProvider]} is not a provider Switchboard can call`);
      continue;
    }
    const warnings: string[] = [];
    const known = PROVIDERS[apiProvider];
    // A provider Switchboard has no template for still names its endpoint in a field ending in BaseUrl.
    const fields = known ?? {
      template: CUSTOM,
      baseUrl: Object.keys(profile).find((field) => /BaseUrl$/.test(field)),
      key: Object.keys(profile).find((field) => /ApiKey$/.test(field)),
      model: Object.keys(profile).find((field) => /ModelId$/.test(field)) ?? 'apiModelId',
    };
    const url = text(fields.baseUrl);
    if (!known) {
      if (!url) {
        collector.skip(member(path, 'apiProvider'), unreachableUnknown(apiProvider, 'the profile', 'base URL'));
        continue;
      }
      warnings.push(importedAsCustom(member(path, 'apiProvider'), apiProvider));
    }
    let template = fields.template;
    let baseUrl = url ? { value: url, path: member(path, fields.baseUrl!) } : undefined;
    let apiVersion: string | undefined;
    if (apiProvider === 'openai') {
      if (profile.openAiUseAzure === true) {
        template = 'azure-openai';
        apiVersion = text('azureApiVersion');
      } else if (baseUrl) ({ template, baseUrl } = compatibleEndpoint(baseUrl.value, baseUrl.path));
      const headers = profile.openAiHeaders;
      if (headers && typeof headers === 'object' && Object.keys(headers).length > 0)
        warnings.push(`${member(path, 'openAiHeaders')}: headers are not imported; add them in Switchboard if needed`);
    }
    const key = readKey(text(fields.key), member(path, fields.key ?? 'apiKey'), warnings);
    const modelId = text(fields.model);
    let prices: ModelPrices | undefined;
    if (apiProvider === 'openai') {
      const info = customModelInfo.safeParse(profile.openAiCustomModelInfo);
      if (!info.success)
        collector.error(
          member(path, 'openAiCustomModelInfo'),
          'prices must be numbers (US dollars per million tokens)',
        );
      else if (info.data) {
        const { inputPrice, outputPrice, cacheReadsPrice, cacheWritesPrice } = info.data;
        prices = {
          ...(inputPrice != null ? { input: inputPrice } : {}),
          ...(outputPrice != null ? { output: outputPrice } : {}),
          ...(cacheReadsPrice != null ? { cachedInput: cacheReadsPrice } : {}),
          ...(cacheWritesPrice != null ? { cacheWrite: cacheWritesPrice } : {}),
        };
      }
    }
    const models: Draft['models'] = modelId
      ? [
          {
            id: modelId,
            path: member(path, fields.model),
            ...(prices && Object.keys(prices).length > 0 ? { prices } : {}),
          },
        ]
      : [];
    collector.add({
      path,
      name: profileName,
      template,
      ...(baseUrl ? { baseUrl } : {}),
      ...(apiVersion ? { apiVersion } : {}),
      models,
      key,
      warnings,
    });
  }
}
