import * as z from '../zod';
import { ProviderError } from '../errors';
import { BatchedEvents } from '../events';
import { RequestScope, send, type TransportConfig } from '../http';
import { readJson } from '../httpBody';
import type { ChatEvent, ChatRequest, ModelInfo, Provider } from '../types';
import { toResponsesInput } from './openaiResponsesMessages';
import { responseEvents, responsesStream } from './openaiResponsesStream';
import { answerBatches } from './shared';

/** OpenAI's Responses API (`POST /v1/responses`). Research notes: /tmp/research/openai-responses.md. */
export interface OpenAiResponsesConfig {
  transport: TransportConfig;
  /** Full URL of the responses endpoint, e.g. https://api.openai.com/v1/responses; the model list is its sibling /models. */
  url: string;
  /** Authorization and extra headers, resolved per request so a changed key applies at once. */
  headers: () => Record<string, string>;
}

const modelEntry = z.object({ id: z.string() });
const modelList = z.union([z.object({ data: z.array(modelEntry) }), z.array(modelEntry)]);

/** The sibling model-list URL of a responses URL (query kept, e.g. Azure's api-version); undefined if it is not one. */
function modelsUrlOf(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (!/\/responses\/?$/.test(parsed.pathname)) return undefined;
  parsed.pathname = parsed.pathname.replace(/\/responses\/?$/, '/models');
  return parsed.toString();
}

export class OpenAiResponsesProvider implements Provider {
  readonly type = 'openai' as const;
  readonly #config: OpenAiResponsesConfig;
  /** Set once the server refuses `reasoning.summary` (unverified organisations); later requests leave it out. */
  #summaryRejected = false;

  constructor(config: OpenAiResponsesConfig) {
    this.#config = config;
  }

  #body(request: ChatRequest, stream: boolean): Record<string, unknown> {
    const options = request.providerOptions;
    const { instructions, input } = toResponsesInput(request.messages);
    const body: Record<string, unknown> = { model: request.model };
    if (instructions !== undefined) body.instructions = instructions;
    body.input = input;
    body.stream = stream;
    // Switchboard keeps the history itself; nothing needs to live on OpenAI's side.
    body.store = false;
    // The Responses API refuses fewer than 16 (integer_below_min_value); the connection test's one-token chat asks for 1.
    if (request.maxTokens !== undefined) body.max_output_tokens = Math.max(16, request.maxTokens);
    if (request.temperature !== undefined) body.temperature = request.temperature;
    // The Responses API has no penalties.
    if (request.topP !== undefined) body.top_p = request.topP;
    if (request.tools?.length) {
      body.tools = request.tools.map((tool) => ({
        type: 'function',
        name: tool.name,
        ...(tool.description ? { description: tool.description } : {}),
        parameters: tool.parameters,
        // Omitted means strict here (unlike Chat Completions): optional arguments would be filled in.
        strict: false,
      }));
      if (request.toolChoice === 'required') body.tool_choice = 'required';
    }
    if (options?.reasoningEffort) {
      body.reasoning = { effort: options.reasoningEffort, ...(this.#summaryRejected ? {} : { summary: 'auto' }) };
      // Only reasoning models take `reasoning`; only they accept this include (others answer 400).
      body.include = ['reasoning.encrypted_content'];
    }
    return { ...body, ...options?.extraBody };
  }

  async #open(request: ChatRequest, stream: boolean, scope: RequestScope): Promise<Response> {
    const post = () =>
      send(this.#config.transport, scope, {
        url: this.#config.url,
        headers: { accept: stream ? 'text/event-stream' : 'application/json', ...this.#config.headers() },
        body: this.#body(request, stream),
        streaming: stream,
      });
    try {
      return await post();
    } catch (error) {
      // "Your organization must be verified to generate reasoning summaries": ask once more without one.
      const rejectsSummary =
        request.providerOptions?.reasoningEffort !== undefined &&
        !this.#summaryRejected &&
        error instanceof ProviderError &&
        error.kind === 'bad_request' &&
        /reasoning[\s._]summar/i.test(`${error.providerMessage ?? ''} ${error.message}`);
      if (!rejectsSummary) throw error;
      this.#summaryRejected = true;
      return post();
    }
  }

  chat(request: ChatRequest, options: { signal?: AbortSignal } = {}): AsyncIterable<ChatEvent> {
    return new BatchedEvents(this.#batches(request, options.signal), this.#config.transport.redactor);
  }

  /** The answer as batches of events, one per network read. */
  #batches(request: ChatRequest, signal: AbortSignal | undefined): AsyncGenerator<ChatEvent[]> {
    const stream = request.stream ?? true;
    return answerBatches(this.#config.transport, signal, stream, (scope) => this.#open(request, stream, scope), {
      whole: async (response, scope) =>
        responseEvents(this.#config.transport, await readJson(this.#config.transport, response, scope)),
      parser: () => responsesStream(this.#config.transport),
    });
  }

  async listModels(options: { signal?: AbortSignal } = {}): Promise<ModelInfo[]> {
    const url = modelsUrlOf(this.#config.url);
    if (!url) return [];
    const scope = new RequestScope(this.#config.transport, options.signal);
    try {
      const response = await send(this.#config.transport, scope, { url, headers: this.#config.headers() });
      const parsed = modelList.safeParse(await readJson(this.#config.transport, response, scope));
      if (!parsed.success)
        throw new ProviderError(
          'server_error',
          `${this.#config.transport.providerName} sent a model list Switchboard cannot read`,
        );
      const entries = Array.isArray(parsed.data) ? parsed.data : parsed.data.data;
      return entries.map((entry) => ({ id: entry.id }));
    } finally {
      scope.close();
    }
  }
}
