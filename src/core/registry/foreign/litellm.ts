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
} from './collect';

/**
 * A LiteLLM proxy's `config.yaml` (https://docs.litellm.ai/docs/proxy/configs): `model_list` entries
 * `{ model_name, litellm_params: { model: "<provider>/<model id>", api_base, api_key, api_version },
 * model_info }`, with prices per token in either `litellm_params` or `model_info`
 * (https://docs.litellm.ai/docs/proxy/custom_pricing). Each deployment becomes a candidate for the
 * provider behind it, so Switchboard calls that provider directly; `os.environ/NAME` values are
 * environment references.
 */

const perToken = z.number().check(z.nonnegative());
const costs = {
  input_cost_per_token: z.optional(perToken),
  output_cost_per_token: z.optional(perToken),
  cache_read_input_token_cost: z.optional(perToken),
  cache_creation_input_token_cost: z.optional(perToken),
};

const deployment = z.object({
  model_name: z.string(),
  litellm_params: z.object({
    model: z.string(),
    api_base: z.optional(z.string()),
    api_key: z.optional(z.string()),
    api_version: z.optional(z.string()),
    ...costs,
  }),
  model_info: z.nullish(z.object(costs)),
});

export const litellmFile = z.object({ model_list: z.array(z.unknown()) });

/** LiteLLM's provider prefixes and the template each becomes. */
const PROVIDERS: Record<string, string> = {
  openai: 'openai',
  azure: 'azure-openai',
  anthropic: 'anthropic',
  gemini: 'gemini',
  deepseek: 'deepseek',
  xai: 'xai',
  mistral: 'mistral',
  groq: 'groq',
  openrouter: 'openrouter',
  together_ai: 'together',
  fireworks_ai: 'fireworks',
  perplexity: 'perplexity',
  ollama: 'ollama',
  ollama_chat: 'ollama',
  lm_studio: 'lmstudio',
  hosted_vllm: 'vllm',
  litellm_proxy: 'litellm',
};

const UNSUPPORTED: Record<string, string> = {
  bedrock: 'Amazon Bedrock',
  bedrock_converse: 'Amazon Bedrock',
  sagemaker: 'Amazon SageMaker',
  sagemaker_chat: 'Amazon SageMaker',
  vertex_ai: 'Google Vertex AI',
  vertex_ai_beta: 'Google Vertex AI',
  watsonx: 'IBM watsonx',
};

/** LiteLLM infers the provider of a model named without a prefix from its name. */
function inferred(model: string): string | undefined {
  if (/^(?:gpt-|o\d|chatgpt-)/.test(model)) return 'openai';
  if (model.startsWith('claude-')) return 'anthropic';
  if (model.startsWith('gemini-')) return 'gemini';
  return undefined;
}

/** Per token to per million tokens, without float noise (0.000003 × 1e6 = 3, not 2.9999999999999996). */
const perMillion = (price: number | undefined) =>
  price === undefined ? undefined : Number((price * 1e6).toPrecision(12));

export function readLitellm(file: z.infer<typeof litellmFile>, collector: Collector): void {
  file.model_list.forEach((raw, index) => {
    const path = `model_list[${index}]`;
    const parsed = deployment.safeParse(raw);
    if (!parsed.success) {
      collector.issues(path, parsed.error);
      return;
    }
    const { model_name: modelName, litellm_params: params, model_info: info } = parsed.data;
    const paramsPath = member(path, 'litellm_params');
    const slash = params.model.indexOf('/');
    const prefix = slash > 0 ? params.model.slice(0, slash) : undefined;
    const modelId = slash > 0 ? params.model.slice(slash + 1) : params.model;
    const provider = prefix ?? (params.api_base ? 'openai' : inferred(params.model));
    if (!provider) {
      collector.skip(
        member(paramsPath, 'model'),
        'names no provider (as "<provider>/<model>"), and LiteLLM\'s guess from the name is not one Switchboard makes',
      );
      return;
    }
    if (UNSUPPORTED[provider]) {
      collector.skip(member(paramsPath, 'model'), `${UNSUPPORTED[provider]} is not a provider Switchboard can call`);
      return;
    }
    const warnings: string[] = [];
    let template = PROVIDERS[provider];
    let baseUrl: { value: string; path: string } | undefined;
    const apiBasePath = member(paramsPath, 'api_base');
    const fromEnv = params.api_base && /^os\.environ\/(.+)$/.exec(params.api_base.trim());
    if (fromEnv)
      warnings.push(
        `${apiBasePath}: comes from the environment variable ${fromEnv[1]}, which Switchboard does not read for a base URL; set the base URL after import`,
      );
    else if (params.api_base) baseUrl = { value: params.api_base, path: apiBasePath };
    if (!template) {
      if (!baseUrl) {
        collector.skip(member(paramsPath, 'model'), unreachableUnknown(provider, 'the entry', 'api_base'));
        return;
      }
      template = CUSTOM;
      warnings.push(importedAsCustom(member(paramsPath, 'model'), provider));
    } else if (template === 'openai' && baseUrl)
      ({ template, baseUrl } = compatibleEndpoint(baseUrl.value, baseUrl.path));
    let apiVersion = params.api_version;
    if (apiVersion && /^os\.environ\//.test(apiVersion.trim())) {
      warnings.push(`${member(paramsPath, 'api_version')}: comes from the environment; set it after import`);
      apiVersion = undefined;
    }
    const key = readKey(params.api_key, member(paramsPath, 'api_key'), warnings);
    const cost = (field: keyof typeof costs) => perMillion(params[field] ?? info?.[field]);
    const prices: ModelPrices = Object.fromEntries(
      Object.entries({
        input: cost('input_cost_per_token'),
        output: cost('output_cost_per_token'),
        cachedInput: cost('cache_read_input_token_cost'),
        cacheWrite: cost('cache_creation_input_token_cost'),
      }).filter(([, price]) => price !== undefined),
    );
    collector.add({
      path,
      name: template === CUSTOM ? modelName : undefined,
      template,
      ...(baseUrl ? { baseUrl } : {}),
      ...(template === 'azure-openai' && apiVersion ? { apiVersion } : {}),
      models: [
        {
          id: modelId,
          path: member(paramsPath, 'model'),
          ...(Object.keys(prices).length > 0 ? { prices } : {}),
        },
      ],
      key,
      warnings,
    });
  });
}
