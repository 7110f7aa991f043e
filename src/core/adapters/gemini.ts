import type { EventSourceMessage } from 'eventsource-parser';
import * as z from '../zod';
import { classifyStreamError } from '../errorClassification';
import { ProviderError } from '../errors';
import { BatchedEvents } from '../events';
import { RequestScope, send, type TransportConfig } from '../http';
import { readJson } from '../httpBody';
import type { ChatEvent, ChatRequest, FinishReason, ModelInfo, Provider, Usage } from '../types';
import { toContents } from './geminiMessages';
import { answerBatches, pushDelta, unexpected, type StreamParser } from './shared';
import { parseJsonEvent } from './streamJson';
import { producedArguments } from './toolArguments';
import { optionalCount, tokenCount, usageEvents, wireUsage } from './usage';

/** Google's Gemini API (generativelanguage.googleapis.com), native generateContent format. */
export interface GeminiConfig {
  transport: TransportConfig;
  /** e.g. `https://generativelanguage.googleapis.com` */
  baseUrl: string;
  /** `v1beta` unless the caller says otherwise. */
  apiVersion: string;
  /** `x-goog-api-key` and extra headers, resolved per request. The key never goes in the URL, where proxies and logs keep it. */
  headers: () => Record<string, string>;
}

// Only what Switchboard reads is described; z.object drops the rest (safety ratings, token details…).
const partSchema = z.object({
  text: z.nullish(z.string()),
  thought: z.nullish(z.boolean()),
  thoughtSignature: z.nullish(z.string()),
  functionCall: z.nullish(z.object({ name: z.string(), args: z.optional(z.unknown()), id: z.nullish(z.string()) })),
});
// Read apart from the chunk it came in (see usage.ts): a bad count must not fail the answer.
const usageSchema = z.object({
  // The prompt is always counted. The others may be missing: proto3 JSON leaves out zeros.
  promptTokenCount: tokenCount,
  cachedContentTokenCount: optionalCount,
  candidatesTokenCount: optionalCount,
  thoughtsTokenCount: optionalCount,
  toolUsePromptTokenCount: optionalCount,
});
// A streamed chunk and a whole non-streaming answer have the same shape.
const responseSchema = z.object({
  candidates: z.nullish(
    z.array(
      z.object({
        content: z.nullish(z.object({ parts: z.nullish(z.array(partSchema)) })),
        finishReason: z.nullish(z.string()),
        finishMessage: z.nullish(z.string()),
      }),
    ),
  ),
  promptFeedback: z.nullish(z.object({ blockReason: z.nullish(z.string()) })),
  usageMetadata: z.optional(z.unknown()),
  error: z.optional(z.unknown()),
});
const listedModel = z.object({
  name: z.string(),
  displayName: z.nullish(z.string()),
  inputTokenLimit: z.nullish(z.number()),
  outputTokenLimit: z.nullish(z.number()),
  supportedGenerationMethods: z.nullish(z.array(z.string())),
  thinking: z.nullish(z.boolean()),
});
const countSchema = z.object({ totalTokens: z.number() });
const modelList = z.object({ models: z.nullish(z.array(listedModel)), nextPageToken: z.nullish(z.string()) });

/** Usage in the contract's terms (Gemini counts thoughts apart from candidates; the contract's output includes them); undefined if unusable. */
function normalizeUsage(wire: unknown): Usage | undefined {
  const raw = wireUsage(usageSchema, wire);
  if (!raw) return undefined;
  const thoughts = raw.thoughtsTokenCount ?? 0;
  // Built-in tools (search grounding, via extraBody) add a prompt of their own, billed as input.
  const usage: Usage = {
    inputTokens: raw.promptTokenCount + (raw.toolUsePromptTokenCount ?? 0),
    outputTokens: (raw.candidatesTokenCount ?? 0) + thoughts,
  };
  if (raw.cachedContentTokenCount) usage.cachedInputTokens = raw.cachedContentTokenCount;
  if (thoughts > 0) usage.reasoningTokens = thoughts;
  return usage;
}

const FILTERED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']);

// STOP, and the rest (LANGUAGE, OTHER, values added later): the answer did end.
const mapFinish = (reason: string): FinishReason =>
  reason === 'MAX_TOKENS' ? 'length' : FILTERED.has(reason) ? 'content_filter' : 'stop';

function toModelInfo(entry: z.infer<typeof listedModel>): ModelInfo {
  const model: ModelInfo = { id: entry.name.replace(/^models\//, ''), sources: {} };
  const provided = <K extends keyof NonNullable<ModelInfo['sources']>>(
    key: K,
    value: ModelInfo[K] | null | undefined,
  ) => {
    if (value == null) return;
    model[key] = value;
    model.sources![key] = 'provider';
  };
  provided('name', entry.displayName || undefined);
  provided('contextWindow', entry.inputTokenLimit || undefined);
  provided('maxOutputTokens', entry.outputTokenLimit || undefined);
  provided('capabilities', entry.thinking == null ? undefined : { reasoning: entry.thinking });
  return model;
}

export class GeminiProvider implements Provider {
  readonly type = 'gemini' as const;
  readonly #config: GeminiConfig;

  constructor(config: GeminiConfig) {
    this.#config = config;
  }

  #url(path: string): string {
    return `${this.#config.baseUrl.replace(/\/+$/, '')}/${this.#config.apiVersion}/${path}`;
  }

  #body(request: ChatRequest): Record<string, unknown> {
    const { system, contents } = toContents(request.messages);
    const body: Record<string, unknown> = {};
    if (system.length > 0) body.systemInstruction = { parts: system };
    body.contents = contents;
    if (request.tools?.length) {
      // The contract's parameters are JSON Schema. `parameters` takes only an OpenAPI subset and fails the
      // whole request on common keywords (additionalProperties, $schema, type lists); this field takes JSON Schema.
      const functionDeclarations = request.tools.map((tool) => ({
        name: tool.name,
        ...(tool.description ? { description: tool.description } : {}),
        parametersJsonSchema: tool.parameters,
      }));
      body.tools = [{ functionDeclarations }];
      if (request.toolChoice === 'required') body.toolConfig = { functionCallingConfig: { mode: 'ANY' } };
    }
    const generation: Record<string, unknown> = {};
    if (request.maxTokens !== undefined) generation.maxOutputTokens = request.maxTokens;
    if (request.temperature !== undefined) generation.temperature = request.temperature;
    if (request.topP !== undefined) generation.topP = request.topP;
    if (request.frequencyPenalty !== undefined) generation.frequencyPenalty = request.frequencyPenalty;
    if (request.presencePenalty !== undefined) generation.presencePenalty = request.presencePenalty;
    const budget = request.providerOptions?.thinkingBudget;
    // Thought summaries only when thinking is asked for: models that cannot think (2.0 Flash, Gemma) answer
    // any includeThoughts with a 400, and Google refuses it (Vertex, at least) once a budget of 0 turns thinking off.
    if (budget !== undefined)
      generation.thinkingConfig =
        budget === 0 ? { thinkingBudget: 0 } : { thinkingBudget: budget, includeThoughts: true };
    if (Object.keys(generation).length > 0) body.generationConfig = generation;
    return { ...body, ...request.providerOptions?.extraBody };
  }

  /** `:countTokens` with the whole request (system instruction and tools count too). */
  async countTokens(request: ChatRequest, options: { signal?: AbortSignal } = {}): Promise<number> {
    const model = request.model.includes('/') ? request.model : `models/${request.model}`;
    // countTokens takes what is sent, not how to generate.
    const { generationConfig, ...body } = this.#body(request);
    const scope = new RequestScope(this.#config.transport, options.signal);
    try {
      const response = await send(this.#config.transport, scope, {
        url: this.#url(`${model.split('/').map(encodeURIComponent).join('/')}:countTokens`),
        headers: this.#config.headers(),
        body: { generateContentRequest: { model, ...body } },
      });
      const parsed = countSchema.safeParse(await readJson(this.#config.transport, response, scope));
      if (!parsed.success) throw unexpected(this.#config.transport, parsed.error);
      return parsed.data.totalTokens;
    } finally {
      scope.close();
    }
  }

  chat(request: ChatRequest, options: { signal?: AbortSignal } = {}): AsyncIterable<ChatEvent> {
    return new BatchedEvents(this.#batches(request, options.signal), this.#config.transport.redactor);
  }

  /** The answer as batches of events, one per network read. */
  #batches(request: ChatRequest, signal: AbortSignal | undefined): AsyncGenerator<ChatEvent[]> {
    const stream = request.stream ?? true;
    const transport = this.#config.transport;
    // `models/gemini-2.5-flash` (as listed) or bare; `tunedModels/…` keeps its own collection.
    const model = request.model.includes('/') ? request.model : `models/${request.model}`;
    const open = (scope: RequestScope) =>
      send(transport, scope, {
        url: this.#url(
          `${model.split('/').map(encodeURIComponent).join('/')}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
        ),
        headers: { accept: stream ? 'text/event-stream' : 'application/json', ...this.#config.headers() },
        body: this.#body(request),
        streaming: stream,
      });
    const state = new ResponseState(transport.providerName);
    return answerBatches(transport, signal, stream, open, {
      whole: async (response, scope, early) => {
        const parsed = responseSchema.safeParse(await readJson(transport, response, scope));
        if (!parsed.success) throw unexpected(transport, parsed.error);
        // An answer has candidates, or says why it has none.
        if (!parsed.data.candidates?.length && !parsed.data.promptFeedback) {
          throw new ProviderError('server_error', `${transport.providerName} answered with no candidates`);
        }
        // What `early` holds when accept fails (a blocked prompt's usage) reaches the caller before the error.
        state.accept(parsed.data, early);
        scope.close();
        return [...early, ...state.finish(false)];
      },
      parser: () => ({
        accept: (event, out) => state.accept(parseJsonEvent(transport, responseSchema, event.data), out),
        finish: () => state.finish(true),
      }),
    });
  }

  async listModels(options: { signal?: AbortSignal } = {}): Promise<ModelInfo[]> {
    const scope = new RequestScope(this.#config.transport, options.signal);
    const models: ModelInfo[] = [];
    const seen = new Set<string>();
    try {
      let token: string | undefined;
      do {
        const query = `pageSize=1000${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`;
        const response = await send(this.#config.transport, scope, {
          url: this.#url(`models?${query}`),
          headers: this.#config.headers(),
        });
        const parsed = modelList.safeParse(await readJson(this.#config.transport, response, scope));
        if (!parsed.success)
          throw new ProviderError(
            'server_error',
            `${this.#config.transport.providerName} sent a model list Switchboard cannot read`,
          );
        // Embedding, AQA and image-only models cannot chat.
        for (const entry of parsed.data.models ?? [])
          if (entry.supportedGenerationMethods?.includes('generateContent')) models.push(toModelInfo(entry));
        // A server that repeats a token, or never stops handing out new ones, would page forever.
        token =
          parsed.data.nextPageToken && !seen.has(parsed.data.nextPageToken) ? parsed.data.nextPageToken : undefined;
        if (token) seen.add(token);
      } while (token && seen.size < 20);
      return models;
    } finally {
      scope.close();
    }
  }
}

/** What the answer has said so far: the function calls, the last usage, the finish reason. */
class ResponseState {
  readonly #providerName: string;
  readonly #calls: Array<Extract<ChatEvent, { type: 'tool-call' }>> = [];
  #usage: unknown;
  #finish: FinishReason | undefined;

  constructor(providerName: string) {
    this.#providerName = providerName;
  }

  /** Takes one response chunk; pushes what it means for the caller onto `out`. */
  accept(chunk: z.infer<typeof responseSchema>, out: ChatEvent[]): void {
    if (chunk.error != null) throw classifyStreamError(this.#providerName, chunk);
    // Every chunk repeats the usage so far: the last one wins, never a sum.
    if (chunk.usageMetadata != null) this.#usage = chunk.usageMetadata;
    const candidate = chunk.candidates?.[0];
    const blocked = chunk.promptFeedback?.blockReason;
    if (!candidate && blocked) {
      // The prompt was read (and is billed) before it was refused: its usage goes out ahead of the error.
      out.push(...usageEvents(normalizeUsage(this.#usage)));
      throw new ProviderError('content_filter', `${this.#providerName} blocked the prompt (${blocked})`, {
        code: blocked,
      });
    }
    if (!candidate) return;
    for (const part of candidate.content?.parts ?? []) {
      if (part.functionCall) {
        const { name, args, id } = part.functionCall;
        this.#calls.push({
          type: 'tool-call',
          ...(id ? { id } : {}),
          name,
          arguments: producedArguments(args, this.#providerName),
          // Only the first of parallel calls carries one; it must go back on that call.
          ...(part.thoughtSignature ? { providerMetadata: { thoughtSignature: part.thoughtSignature } } : {}),
        });
      } else if (part.text) {
        pushDelta(out, part.thought ? 'reasoning' : 'text', part.text);
      }
    }
    const reason = candidate.finishReason;
    if (!reason) return;
    // The model wrote a call that is not valid: nothing the caller sent was wrong, and a retry often succeeds.
    if (reason === 'MALFORMED_FUNCTION_CALL' || reason === 'UNEXPECTED_TOOL_CALL') {
      throw new ProviderError('server_error', `${this.#providerName} produced an invalid function call (${reason})`, {
        code: reason,
        providerMessage: candidate.finishMessage ?? undefined,
      });
    }
    this.#finish = mapFinish(reason);
  }

  /** Tool calls, then usage, then the finish; a stream without a finish reason was cut short (Gemini sends no [DONE]). */
  *finish(streamed: boolean): Generator<ChatEvent> {
    if (streamed && !this.#finish)
      throw new ProviderError(
        'network',
        `${this.#providerName}'s stream ended before it was complete (no finish reason)`,
      );
    yield* this.#calls;
    yield* usageEvents(normalizeUsage(this.#usage));
    // A turn that produced function calls finishes with tool_calls: Gemini says STOP.
    yield { type: 'finish', reason: this.#calls.length > 0 ? 'tool_calls' : (this.#finish ?? 'stop') };
  }
}

/** A streamed answer's parser, as `chat` builds it (for the background rehearsal). */
export function geminiStream(transport: TransportConfig): StreamParser<EventSourceMessage> {
  const state = new ResponseState(transport.providerName);
  return {
    accept: (event, out) => state.accept(parseJsonEvent(transport, responseSchema, event.data), out),
    finish: () => state.finish(true),
  };
}
