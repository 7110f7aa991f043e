import * as z from '../zod';
import { ProviderError } from '../errors';
import { BatchedEvents } from '../events';
import { runningContext, tokenLimit, valid } from './listings';
import { toOllamaMessages } from './ollamaMessages';
import { readLineBatches, Turn } from './ollamaStream';
import { parseBatches, unexpected } from './shared';
import { RequestScope, send, type TransportConfig } from '../http';
import { readJson } from '../httpBody';
import { responseMetadata } from '../responseHeaders';
import type { ChatEvent, ChatRequest, ModelInfo, Provider, ProviderRequestOptions } from '../types';

/** Ollama's native API (`/api/chat`, `/api/tags`, `/api/show`), local or Ollama Cloud. */
export interface OllamaConfig {
  transport: TransportConfig;
  /** `http://127.0.0.1:11434` locally, `https://ollama.com` for the cloud. */
  baseUrl: string;
  /** Resolved per request: a Bearer key for the cloud, nothing locally. */
  headers: () => Record<string, string>;
}

/** `/api/show` calls in flight at once while listing: a local server answers them from disk. */
const SHOW_CONCURRENCY = 4;
/**
 * Models a list keeps from /api/tags. A local install has tens; a server (or a proxy) listing
 * 100,000 would flood every picker and cost a request each to describe. The rest are left out.
 */
export const MAX_LISTED_MODELS = 1_000;
/**
 * Models a list describes through /api/show, one request each: the first ones /api/tags lists (the
 * most recently modified, which is how Ollama orders them). The others come back bare; describeModel
 * fetches their details when one is shown or used.
 */
export const MAX_DESCRIBED_MODELS = 32;

// Only what Switchboard reads; z.object drops the rest without copying it.
const tagsSchema = z.object({
  models: z.nullish(z.array(z.object({ name: z.nullish(z.string()), model: z.nullish(z.string()) }))),
});
const showSchema = z.object({
  model_info: z.nullish(z.record(z.string(), z.unknown())),
  capabilities: z.nullish(z.array(z.string())),
  // The Modelfile's parameters as text, one per line: `num_ctx 8192` is the context the model loads with.
  parameters: z.optional(z.unknown()),
});
// GET /api/ps: the models in memory now, each with the context it was loaded with.
const psSchema = z.object({ models: z.nullish(z.array(z.unknown())) });
const psEntry = z.object({
  name: z.nullish(z.string()),
  model: z.nullish(z.string()),
  context_length: z.optional(z.unknown()),
});

/** Ollama's own spelling of a model name: without a tag it is `:latest`. */
const canonicalName = (name: string) => (/:[^/]*$/.test(name) ? name : `${name}:latest`);

/** `num_ctx` from /api/show's `parameters` text, if it holds a usable one. */
function numCtx(parameters: unknown): number | undefined {
  if (typeof parameters !== 'string') return undefined;
  const match = /^num_ctx[ \t]+(\d{1,10})[ \t]*$/m.exec(parameters);
  return match ? valid(tokenLimit, Number(match[1])) : undefined;
}

/**
 * Levels are gpt-oss's ("low" | "medium" | "high"; no "minimal"); other models only switch on or
 * off, and `think` takes no token count, so any budget means on and 0 means off.
 */
function thinkValue(options: ProviderRequestOptions | undefined): boolean | string | undefined {
  if (options?.reasoningEffort) return options.reasoningEffort === 'minimal' ? 'low' : options.reasoningEffort;
  if (options?.thinkingBudget !== undefined) return options.thinkingBudget > 0;
  return undefined;
}

/**
 * Servers from before think levels, and some later ones for models other than gpt-oss, refuse a
 * level with a 400 (`think value "low" is not supported for this model`, or a JSON type error).
 */
function refusesThinkLevel(error: unknown): boolean {
  if (!(error instanceof ProviderError) || error.kind !== 'bad_request') return false;
  const said = `${error.providerMessage ?? ''} ${error.message}`;
  return /think/i.test(said) && !/does not support thinking/i.test(said);
}

export class OllamaProvider implements Provider {
  readonly type = 'ollama' as const;
  readonly #config: OllamaConfig;
  readonly #base: string;
  /** Models whose server refused a think level; they get `think: true` from then on. */
  readonly #noThinkLevels = new Set<string>();

  constructor(config: OllamaConfig) {
    this.#config = config;
    // People paste the cloud's documented `https://ollama.com/api`; the paths below add `/api`.
    this.#base = config.baseUrl.replace(/\/+$/, '').replace(/\/api$/, '');
  }

  #body(request: ChatRequest, stream: boolean): Record<string, unknown> {
    const body: Record<string, unknown> = {
      model: request.model,
      messages: toOllamaMessages(request.messages),
      stream,
    };
    if (request.tools?.length) {
      body.tools = request.tools.map((tool) => ({
        type: 'function',
        function: {
          name: tool.name,
          ...(tool.description ? { description: tool.description } : {}),
          parameters: tool.parameters,
        },
      }));
    }
    const think = thinkValue(request.providerOptions);
    if (think !== undefined)
      body.think = typeof think === 'string' && this.#noThinkLevels.has(request.model) ? true : think;
    const options: Record<string, unknown> = {};
    if (request.maxTokens !== undefined) options.num_predict = request.maxTokens;
    if (request.temperature !== undefined) options.temperature = request.temperature;
    if (request.topP !== undefined) options.top_p = request.topP;
    if (request.frequencyPenalty !== undefined) options.frequency_penalty = request.frequencyPenalty;
    if (request.presencePenalty !== undefined) options.presence_penalty = request.presencePenalty;
    const extra = request.providerOptions?.extraBody;
    // `options` is where Ollama's own knobs live (num_ctx above all): extra ones join ours, key by key.
    const extraOptions = extra?.options;
    if (typeof extraOptions === 'object' && extraOptions !== null) Object.assign(options, extraOptions);
    if (Object.keys(options).length > 0) body.options = options;
    return { ...body, ...extra, ...(body.options ? { options } : {}) };
  }

  async #open(request: ChatRequest, stream: boolean, scope: RequestScope): Promise<Response> {
    const transport = this.#config.transport;
    const post = (body: Record<string, unknown>) =>
      send(transport, scope, {
        url: `${this.#base}/api/chat`,
        headers: { accept: stream ? 'application/x-ndjson' : 'application/json', ...this.#config.headers() },
        body,
        streaming: stream,
      });
    const body = this.#body(request, stream);
    try {
      return await post(body);
    } catch (error) {
      if (typeof body.think !== 'string' || !refusesThinkLevel(error)) throw error;
      this.#noThinkLevels.add(request.model);
      return post({ ...body, think: true });
    }
  }

  chat(request: ChatRequest, options: { signal?: AbortSignal } = {}): AsyncIterable<ChatEvent> {
    return new BatchedEvents(this.#batches(request, options.signal), this.#config.transport.redactor);
  }

  /** The answer as batches of events, one per network read. */
  async *#batches(request: ChatRequest, signal: AbortSignal | undefined): AsyncGenerator<ChatEvent[]> {
    const transport = this.#config.transport;
    const stream = request.stream ?? true;
    const scope = new RequestScope(transport, signal);
    try {
      const response = await this.#open(request, stream, scope);
      yield [{ type: 'response-metadata', metadata: responseMetadata(response, transport.clock.now()) }];
      const turn = new Turn(transport);
      if (!stream) {
        const out: ChatEvent[] = [];
        turn.accept(await readJson(transport, response, scope), out);
        if (!turn.done)
          throw new ProviderError('server_error', `${transport.providerName} answered without "done": true`);
        scope.close();
        yield [...out, ...turn.finish()];
        return;
      }
      yield* parseBatches(
        readLineBatches(response, scope, transport.providerName),
        {
          accept: (line: string, out: ChatEvent[]) => turn.acceptLine(line, out),
          get done() {
            return turn.done;
          },
          finish: () => {
            if (!turn.done)
              throw new ProviderError(
                'network',
                `${transport.providerName}'s stream ended before it was complete (no "done": true)`,
              );
            return turn.finish();
          },
        },
        scope,
      );
    } finally {
      scope.close();
    }
  }

  async listModels(options: { signal?: AbortSignal } = {}): Promise<ModelInfo[]> {
    const transport = this.#config.transport;
    const scope = new RequestScope(transport, options.signal);
    let ids: string[];
    try {
      const response = await send(transport, scope, { url: `${this.#base}/api/tags`, headers: this.#config.headers() });
      const parsed = tagsSchema.safeParse(await readJson(transport, response, scope));
      if (!parsed.success)
        throw new ProviderError('server_error', `${transport.providerName} sent a model list Switchboard cannot read`);
      ids = (parsed.data.models ?? [])
        .map((entry) => entry.name ?? entry.model)
        .filter((id): id is string => !!id)
        .slice(0, MAX_LISTED_MODELS);
    } finally {
      scope.close();
    }
    // Which models are loaded now, and with what context: one request for the whole list.
    const running = await this.#running(options.signal);
    // Context windows and capabilities are only in /api/show, one call per model: for the first few only.
    const models: ModelInfo[] = ids.map((id) => withRunning({ id, sources: {} }, running));
    const described = Math.min(MAX_DESCRIBED_MODELS, models.length);
    let next = 0;
    const worker = async () => {
      while (next < described) {
        const index = next++;
        models[index] = await this.#describeOrBare(models[index]!.id, running, options.signal);
      }
    };
    await Promise.all(Array.from({ length: Math.min(SHOW_CONCURRENCY, described) }, worker));
    return models;
  }

  /**
   * One model's context window and capabilities from /api/show, and from /api/ps whether it is loaded
   * and with what context; a model the server does not have is model_not_found.
   */
  async describeModel(id: string, options: { signal?: AbortSignal } = {}): Promise<ModelInfo> {
    const [model, running] = await Promise.all([this.#show(id, options.signal), this.#running(options.signal)]);
    return withRunning(model, running);
  }

  /**
   * The context window from /api/show: the `num_ctx` the model loads with where its Modelfile sets
   * one, else the context it was trained for (`<architecture>.context_length`); and its capabilities.
   */
  async #show(id: string, signal: AbortSignal | undefined): Promise<ModelInfo> {
    const transport = this.#config.transport;
    const scope = new RequestScope(transport, signal);
    try {
      const response = await send(transport, scope, {
        url: `${this.#base}/api/show`,
        headers: this.#config.headers(),
        body: { model: id },
      });
      const parsed = showSchema.safeParse(await readJson(transport, response, scope));
      if (!parsed.success) throw unexpected(transport, parsed.error);
      const model: ModelInfo = { id, sources: {} };
      const info = parsed.data.model_info ?? {};
      const trained = valid(tokenLimit, info[`${String(info['general.architecture'])}.context_length`]);
      const context = runningContext(numCtx(parsed.data.parameters), trained);
      if (context.contextWindow !== undefined) {
        model.contextWindow = context.contextWindow;
        model.sources!.contextWindow = 'provider';
      }
      if (context.maxContextWindow !== undefined) model.maxContextWindow = context.maxContextWindow;
      // Servers before capabilities existed say nothing; that is not "none".
      const capabilities = parsed.data.capabilities;
      if (capabilities) {
        model.capabilities = {
          tools: capabilities.includes('tools'),
          vision: capabilities.includes('vision'),
          reasoning: capabilities.includes('thinking'),
        };
        model.sources!.capabilities = 'provider';
      }
      return model;
    } finally {
      scope.close();
    }
  }

  /**
   * The models loaded now (GET /api/ps), by canonical name, each with the context it runs with
   * where the server says. Undefined where the server cannot say (older servers, Ollama Cloud):
   * that never fails a list or a description; only cancellation does.
   */
  async #running(signal: AbortSignal | undefined): Promise<Map<string, number | undefined> | undefined> {
    const transport = this.#config.transport;
    const scope = new RequestScope(transport, signal);
    try {
      const response = await send(transport, scope, { url: `${this.#base}/api/ps`, headers: this.#config.headers() });
      const parsed = psSchema.safeParse(await readJson(transport, response, scope));
      if (!parsed.success) return undefined;
      const running = new Map<string, number | undefined>();
      for (const raw of parsed.data.models ?? []) {
        const entry = psEntry.safeParse(raw);
        if (!entry.success) continue;
        const name = entry.data.name ?? entry.data.model;
        if (name) running.set(canonicalName(name), valid(tokenLimit, entry.data.context_length));
      }
      return running;
    } catch (error) {
      if (error instanceof ProviderError && error.kind !== 'cancelled') return undefined;
      throw error;
    } finally {
      scope.close();
    }
  }

  /**
   * Listing: a model whose /api/show fails stays in the list, undescribed; only cancellation ends
   * the list. A scope each (#show's): one slow or failing model must not time out the others.
   */
  async #describeOrBare(
    id: string,
    running: Map<string, number | undefined> | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ModelInfo> {
    try {
      return withRunning(await this.#show(id, signal), running);
    } catch (error) {
      if (!(error instanceof ProviderError) || error.kind === 'cancelled') throw error;
      return withRunning({ id, sources: {} }, running);
    }
  }
}

/**
 * A loaded model (in /api/ps) is marked so, and its context window is the context it runs with, which
 * may be far below what it was trained for: that is what a prompt must fit. A model not in the list is
 * left as it is (Ollama Cloud lists none; absence says nothing certain).
 */
function withRunning(model: ModelInfo, running: Map<string, number | undefined> | undefined): ModelInfo {
  if (!running?.has(canonicalName(model.id))) return model;
  const loaded: ModelInfo = { ...model, sources: { ...model.sources }, loaded: true };
  const context = running.get(canonicalName(model.id));
  if (context === undefined) return loaded;
  const most = model.maxContextWindow ?? model.contextWindow;
  const window = runningContext(context, most);
  loaded.contextWindow = window.contextWindow;
  loaded.sources!.contextWindow = 'provider';
  if (window.maxContextWindow === undefined) delete loaded.maxContextWindow;
  else loaded.maxContextWindow = window.maxContextWindow;
  return loaded;
}
