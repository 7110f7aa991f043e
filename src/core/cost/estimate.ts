import { nestsTooDeep } from '../adapters/toolArguments';
import type { ChatRequest, Provider, ProviderType } from '../types';
import { costOf, priceOf, type PriceSource, type PricingContext } from './pricing';

/** Per-message framing tokens (role markers, separators) that OpenAI's chat format adds. */
const TOKENS_PER_MESSAGE = 4;
/** An image in a prompt: a typical high-detail tile count; providers bill images differently. */
const TOKENS_PER_IMAGE = 765;

export interface TokenCount {
  tokens: number;
  /**
   * `provider`: the provider's own count-tokens endpoint (when allowed); `tokenizer`: OpenAI-family
   * models (o200k_base, what GPT-4o and later use); `estimate`: other families, same tokenizer.
   */
  method: 'provider' | 'tokenizer' | 'estimate';
}

/** The prompt's texts, one per message (counted apart: the framing tokens stand for the separators). */
function promptTexts(request: ChatRequest): { texts: string[]; images: number } {
  const texts: string[] = [];
  let images = 0;
  for (const message of request.messages) {
    let text = '';
    if (typeof message.content === 'string') text += message.content;
    else {
      for (const part of message.content) {
        if (part.type === 'text') text += part.text;
        else images++;
      }
    }
    // Too deep to write is refused by the adapter with a typed error; here it only must not throw.
    for (const call of message.toolCalls ?? [])
      text += call.name + (nestsTooDeep(call.arguments) ? '' : JSON.stringify(call.arguments ?? {}));
    texts.push(text);
  }
  for (const tool of request.tools ?? [])
    texts.push(
      tool.name + (tool.description ?? '') + (nestsTooDeep(tool.parameters) ? '' : JSON.stringify(tool.parameters)),
    );
  return { texts, images };
}

/** Characters per o200k token in code and English prose: 4.0–4.1, measured on this repository's TypeScript and Markdown. */
const CHARS_PER_TOKEN = 4;
/** The tokenizer, once loaded (its first load takes ~180 ms: ~2 MB of merge ranks). */
let loadedCounter: ((text: string) => number) | undefined;
let loadingCounter: Promise<(text: string) => number> | undefined;

/** The local token count of one text (o200k_base), for fitting a prompt to a context window. */
export function localTokenCounter(): Promise<(text: string) => number> {
  loadingCounter ??= import('gpt-tokenizer/encoding/o200k_base').then(
    ({ countTokens }) => (loadedCounter = countTokens),
  );
  return loadingCounter;
}

function promptTokens(request: ChatRequest, count: (text: string) => number): number {
  const { texts, images } = promptTexts(request);
  return (
    texts.reduce((sum, text) => sum + count(text), 0) +
    request.messages.length * TOKENS_PER_MESSAGE +
    images * TOKENS_PER_IMAGE
  );
}

/**
 * Counts a prompt's tokens locally, without a network call (VS Code asks often): with a real
 * tokenizer (gpt-tokenizer: ~25x faster than js-tiktoken here, same counts) for OpenAI-family
 * models; other families are estimated with the same tokenizer, which is close for English and code.
 */
export async function countPromptTokens(request: ChatRequest, type: ProviderType): Promise<TokenCount> {
  const tokens = promptTokens(request, await localTokenCounter());
  return { tokens, method: type === 'openai' || type === 'azure-openai' ? 'tokenizer' : 'estimate' };
}

/**
 * A prompt's tokens now, never waiting for the tokenizer: exact once it is loaded; until then
 * estimated from the text's length while it loads in the background. VS Code's chat counts every
 * fragment of a prompt it builds, and its first count must not wait ~180 ms.
 */
export function countPromptTokensNow(request: ChatRequest): { tokens: number; exact: boolean } {
  const count = loadedCounter;
  if (!count) void localTokenCounter();
  return {
    tokens: promptTokens(request, count ?? ((text) => Math.ceil(text.length / CHARS_PER_TOKEN))),
    exact: count !== undefined,
  };
}

export interface CostEstimate {
  inputTokens: number;
  method: TokenCount['method'];
  priceSource: PriceSource;
  /** Price source `estimated`: the known model whose price this is (`gpt-4.1-mini`). */
  estimatedFrom?: string;
  /** The prompt's cost (uncached); undefined without a price. */
  inputUsd?: number;
  /** One output token's cost; undefined without a price. */
  outputUsdPerToken?: number;
  /** The output cap the range assumes. */
  maxOutputTokens?: number;
  /** Input cost plus the output cap at the output price: what the request can cost at most. */
  maxUsd?: number;
}

/**
 * What a request will cost before it is sent: the known input cost, and up to maxOutputTokens more.
 * With `askProvider` (the user allowed it) the count comes from the provider's count-tokens endpoint
 * where it has one, falling back to the local count if that call fails.
 */
export async function estimateCost(
  context: PricingContext,
  request: ChatRequest,
  type: ProviderType,
  maxOutputTokens?: number,
  askProvider?: { provider: Provider; signal?: AbortSignal },
): Promise<CostEstimate> {
  let count: TokenCount | undefined;
  if (askProvider?.provider.countTokens) {
    try {
      count = {
        tokens: await askProvider.provider.countTokens(request, { signal: askProvider.signal }),
        method: 'provider',
      };
    } catch {
      // A local count is still an answer.
    }
  }
  count ??= await countPromptTokens(request, type);
  const quote = await priceOf(context, request.model);
  const estimate: CostEstimate = {
    inputTokens: count.tokens,
    method: count.method,
    priceSource: quote.source,
    ...(quote.estimatedFrom === undefined ? {} : { estimatedFrom: quote.estimatedFrom }),
  };
  if (!quote.prices) return maxOutputTokens === undefined ? estimate : { ...estimate, maxOutputTokens };
  // Tiered prices (input and output) depend on the prompt's size: ask the calculation the bill uses.
  const input = await costOf(context, request.model, { inputTokens: count.tokens, outputTokens: 0 });
  const withOutput = await costOf(context, request.model, { inputTokens: count.tokens, outputTokens: 1_000_000 });
  estimate.inputUsd = input.usd ?? (count.tokens * quote.prices.input) / 1e6;
  estimate.outputUsdPerToken =
    withOutput.usd !== undefined ? (withOutput.usd - estimate.inputUsd) / 1e6 : quote.prices.output / 1e6;
  if (maxOutputTokens !== undefined) {
    estimate.maxOutputTokens = maxOutputTokens;
    estimate.maxUsd = estimate.inputUsd + maxOutputTokens * estimate.outputUsdPerToken;
  }
  return estimate;
}
