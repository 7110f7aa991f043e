import * as z from '../zod';
import { BatchedEvents } from '../events';
import { RequestScope, send, type TransportConfig } from '../http';
import { readJson } from '../httpBody';
import type { ChatEvent, ChatRequest, ModelInfo, Provider } from '../types';
import { toAnthropicMessages } from './anthropicMessages';
import { anthropicStream, fromAnthropicMessage } from './anthropicStream';
import { answerBatches, unexpected } from './shared';

export interface AnthropicConfig {
  transport: TransportConfig;
  /** e.g. https://api.anthropic.com */
  baseUrl: string;
  /** x-api-key, anthropic-version and any extra headers, resolved per request. */
  headers: () => Record<string, string>;
  /** Anthropic requires max_tokens; this is sent when the request gives none. */
  defaultMaxTokens: number;
}

const countSchema = z.object({ input_tokens: z.number() });
const modelPage = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      display_name: z.nullish(z.string()),
      max_input_tokens: z.nullish(z.number()),
      max_tokens: z.nullish(z.number()),
    }),
  ),
  has_more: z.nullish(z.boolean()),
  last_id: z.nullish(z.string()),
});

export class AnthropicProvider implements Provider {
  readonly type = 'anthropic' as const;
  readonly #config: AnthropicConfig;

  constructor(config: AnthropicConfig) {
    this.#config = config;
  }

  #body(request: ChatRequest, stream: boolean): Record<string, unknown> {
    const budget = request.providerOptions?.thinkingBudget;
    const maxTokens = request.maxTokens ?? this.#config.defaultMaxTokens;
    const body: Record<string, unknown> = {
      model: request.model,
      ...toAnthropicMessages(request.messages),
      // The thinking budget counts toward max_tokens; leave room for the answer itself.
      max_tokens: budget ? Math.max(maxTokens, budget + 1024) : maxTokens,
      stream,
    };
    if (budget) body.thinking = { type: 'enabled', budget_tokens: budget };
    // Extended thinking accepts only the default temperature; otherwise Anthropic takes 0–1 (others go to 2).
    else if (request.temperature !== undefined) body.temperature = Math.min(1, Math.max(0, request.temperature));
    // Anthropic has no penalties; top_p is not taken with extended thinking either.
    if (!budget && request.topP !== undefined) body.top_p = request.topP;
    if (request.tools?.length) {
      body.tools = request.tools.map((tool) => ({
        name: tool.name,
        ...(tool.description ? { description: tool.description } : {}),
        input_schema: tool.parameters,
      }));
      // "any": some tool must be used. Extended thinking allows only auto (or none).
      if (request.toolChoice === 'required' && !budget) body.tool_choice = { type: 'any' };
    }
    return { ...body, ...request.providerOptions?.extraBody };
  }

  /** /v1/messages/count_tokens: the same inputs as a message, without max_tokens or stream. */
  async countTokens(request: ChatRequest, options: { signal?: AbortSignal } = {}): Promise<number> {
    const scope = new RequestScope(this.#config.transport, options.signal);
    try {
      const tools = request.tools?.map((tool) => ({
        name: tool.name,
        ...(tool.description ? { description: tool.description } : {}),
        input_schema: tool.parameters,
      }));
      const response = await send(this.#config.transport, scope, {
        url: `${this.#config.baseUrl}/v1/messages/count_tokens`,
        headers: this.#config.headers(),
        body: { model: request.model, ...toAnthropicMessages(request.messages), ...(tools?.length ? { tools } : {}) },
      });
      const parsed = countSchema.safeParse(await readJson(this.#config.transport, response, scope));
      if (!parsed.success) throw unexpected(this.#config.transport, parsed.error);
      return parsed.data.input_tokens;
    } finally {
      scope.close();
    }
  }

  chat(request: ChatRequest, options: { signal?: AbortSignal } = {}): AsyncIterable<ChatEvent> {
    return new BatchedEvents(this.#batches(request, options.signal), this.#config.transport.redactor);
  }

  #batches(request: ChatRequest, signal: AbortSignal | undefined): AsyncGenerator<ChatEvent[]> {
    const stream = request.stream ?? true;
    const open = (scope: RequestScope) =>
      send(this.#config.transport, scope, {
        url: `${this.#config.baseUrl}/v1/messages`,
        headers: { accept: stream ? 'text/event-stream' : 'application/json', ...this.#config.headers() },
        body: this.#body(request, stream),
        streaming: stream,
      });
    return answerBatches(this.#config.transport, signal, stream, open, {
      whole: async (response, scope) =>
        fromAnthropicMessage(this.#config.transport, await readJson(this.#config.transport, response, scope)),
      parser: () => anthropicStream(this.#config.transport),
    });
  }

  async listModels(options: { signal?: AbortSignal } = {}): Promise<ModelInfo[]> {
    const scope = new RequestScope(this.#config.transport, options.signal);
    const models: ModelInfo[] = [];
    try {
      let after: string | undefined;
      // Bounded: a server that always says has_more must not loop forever.
      for (let page = 0; page < 20; page++) {
        const query = new URLSearchParams({ limit: '1000', ...(after ? { after_id: after } : {}) });
        const response = await send(this.#config.transport, scope, {
          url: `${this.#config.baseUrl}/v1/models?${query.toString()}`,
          headers: this.#config.headers(),
        });
        const parsed = modelPage.safeParse(await readJson(this.#config.transport, response, scope));
        if (!parsed.success) throw unexpected(this.#config.transport, parsed.error);
        for (const entry of parsed.data.data) {
          const model: ModelInfo = { id: entry.id, sources: {} };
          if (entry.display_name) [model.name, model.sources!.name] = [entry.display_name, 'provider'];
          if (entry.max_input_tokens)
            [model.contextWindow, model.sources!.contextWindow] = [entry.max_input_tokens, 'provider'];
          if (entry.max_tokens)
            [model.maxOutputTokens, model.sources!.maxOutputTokens] = [entry.max_tokens, 'provider'];
          models.push(model);
        }
        if (!parsed.data.has_more || !parsed.data.last_id) break;
        after = parsed.data.last_id;
      }
      return models;
    } finally {
      scope.close();
    }
  }
}
