import * as z from '../../zod';
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
 * Continue's `config.yaml` (https://docs.continue.dev/reference) and its deprecated `config.json`
 * (https://docs.continue.dev/reference/json-reference): a `models` list, each with `provider`,
 * `model`, `apiBase`, `apiKey` and, in YAML, `name` and `roles` (`title` in JSON). Azure entries add
 * `deployment`, `apiVersion` and `apiType` (under `env` in YAML). Hub blocks (`uses:`) are skipped:
 * their settings are on the hub, not in the file.
 */

const azureFields = { deployment: z.string(), apiVersion: z.string(), apiType: z.string() };

const continueModel = z.object({
  name: z.optional(z.string()),
  title: z.optional(z.string()),
  uses: z.optional(z.string()),
  provider: z.optional(z.string()),
  model: z.optional(z.string()),
  apiBase: z.optional(z.string()),
  apiKey: z.optional(z.string()),
  roles: z.optional(z.array(z.string())),
  env: z.optional(z.partial(z.object(azureFields))),
  ...z.partial(z.object(azureFields)).shape,
  requestOptions: z.optional(z.object({ headers: z.optional(z.record(z.string(), z.unknown())) })),
});

export const continueFile = z.object({ models: z.array(z.unknown()) });

/** Continue's provider names and the template each becomes. */
const PROVIDERS: Record<string, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  gemini: 'gemini',
  azure: 'azure-openai',
  deepseek: 'deepseek',
  xai: 'xai',
  mistral: 'mistral',
  groq: 'groq',
  openrouter: 'openrouter',
  together: 'together',
  fireworks: 'fireworks',
  ollama: 'ollama',
  lmstudio: 'lmstudio',
  vllm: 'vllm',
};

/** Providers Switchboard has no adapter for: their entries are skipped, not guessed at. */
const UNSUPPORTED: Record<string, string> = {
  bedrock: 'Amazon Bedrock',
  bedrockimport: 'Amazon Bedrock',
  sagemaker: 'Amazon SageMaker',
  vertexai: 'Google Vertex AI',
  watsonx: 'IBM watsonx',
  'free-trial': "Continue's free trial",
  'continue-proxy': "Continue's hub proxy",
};

/** Roles that are not chat: a model only for them is not imported. */
const NOT_CHAT = new Set(['embed', 'rerank']);

export function readContinue(file: z.infer<typeof continueFile>, collector: Collector, json: boolean): void {
  file.models.forEach((raw, index) => {
    const path = `models[${index}]`;
    const parsed = continueModel.safeParse(raw);
    if (!parsed.success) {
      collector.issues(path, parsed.error);
      return;
    }
    const entry = parsed.data;
    if (entry.uses) {
      collector.skip(path, `a Continue Hub block (${entry.uses}); its settings are on the hub, not in this file`);
      return;
    }
    const label = json ? 'title' : 'name';
    let missing = false;
    for (const field of ['provider', 'model'] as const)
      if (!entry[field]) {
        collector.error(member(path, field), 'required');
        missing = true;
      }
    if (missing || !entry.provider || !entry.model) return;
    if (entry.roles && entry.roles.length > 0 && entry.roles.every((role) => NOT_CHAT.has(role))) {
      collector.skip(path, `used for ${entry.roles.join(' and ')} in Continue, not chat`);
      return;
    }
    const provider = entry.provider.toLowerCase();
    if (UNSUPPORTED[provider]) {
      collector.skip(member(path, 'provider'), `${UNSUPPORTED[provider]} is not a provider Switchboard can call`);
      return;
    }
    const warnings: string[] = [];
    const key = readKey(entry.apiKey, member(path, 'apiKey'), warnings);
    const apiBase = entry.apiBase ? { value: entry.apiBase, path: member(path, 'apiBase') } : undefined;
    let template = PROVIDERS[provider];
    let baseUrl = apiBase;
    let name: string | undefined;
    let modelId = entry.model;
    let apiVersion: string | undefined;
    if (template === 'openai' && apiBase) ({ template, baseUrl } = compatibleEndpoint(apiBase.value, apiBase.path));
    if (template === 'azure-openai') {
      const azure = { ...entry, ...entry.env };
      if (azure.apiType === 'azure-foundry') {
        template = CUSTOM;
        warnings.push(
          `${member(path, 'apiType')}: an Azure AI Foundry endpoint, imported as a custom OpenAI-compatible endpoint; check its base URL`,
        );
      } else {
        modelId = azure.deployment ?? entry.model;
        apiVersion = azure.apiVersion;
      }
    }
    if (!template) {
      if (!apiBase) {
        collector.skip(member(path, 'provider'), unreachableUnknown(entry.provider, 'the entry', 'apiBase'));
        return;
      }
      template = CUSTOM;
      warnings.push(importedAsCustom(member(path, 'provider'), entry.provider));
    }
    if (template === CUSTOM) name = entry[label] ?? entry.model;
    if (entry.requestOptions?.headers && Object.keys(entry.requestOptions.headers).length > 0)
      warnings.push(
        `${member(path, 'requestOptions')}.headers: headers are not imported; add them in Switchboard if needed`,
      );
    const models: Draft['models'] = [];
    if (modelId === 'AUTODETECT')
      warnings.push(`${member(path, 'model')}: AUTODETECT; choose models from the provider's list after import`);
    else models.push({ id: modelId, path: member(path, 'model') });
    collector.add({
      path,
      name,
      template,
      ...(baseUrl ? { baseUrl } : {}),
      ...(apiVersion ? { apiVersion } : {}),
      models,
      key,
      warnings,
    });
  });
}
