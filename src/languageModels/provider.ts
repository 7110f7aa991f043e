import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import {
  isLocalProvider,
  budgetApplies,
  countPromptTokens,
  countPromptTokensNow,
  factLabel,
  findTemplate,
  formatPerMillion,
  formatUsd,
  LOCAL_CALL_ID,
  localTokenCounter,
  modelKey,
  parseModelKey,
  ProviderError,
  type ChatMessage,
  type FactDates,
  type ModelRef,
  type PriceQuote,
  type ToolDefinition,
  type Usage,
} from '../core';
import { abortSignalFor } from '../platform/cancellation';
import { Commands, LANGUAGE_MODEL_VENDOR } from '../platform/commands';
import type { Services } from '../services';
import { samplingOptions, toChatMessages } from './messages';

/** VS Code's model id back to Switchboard's provider and model (an id it never offered names no provider). */
const refOf = (id: string): ModelRef => parseModelKey(id) ?? { providerId: '', modelId: id };

/**
 * Offers the user's models to VS Code's model picker and to other extensions (vendor `switchboard`):
 * every chosen or default model of every enabled provider that has a key (or needs none).
 */
/** The error kinds VS Code's callers tell apart. */
function toLanguageModelError(error: unknown): unknown {
  if (!(error instanceof ProviderError)) return error;
  if (error.kind === 'cancelled') return new vscode.CancellationError();
  if (error.kind === 'invalid_credentials') return vscode.LanguageModelError.NoPermissions(error.message);
  if (error.kind === 'quota_exceeded' && error.code?.startsWith('budget_'))
    return vscode.LanguageModelError.Blocked(error.message);
  if (error.kind === 'model_not_found') return vscode.LanguageModelError.NotFound(error.message);
  return error;
}

/**
 * A response's usage as VS Code (1.120 and later) reads it from a model's last part: OpenAI's field
 * names, with all three totals present (a part without them is dropped).
 */
function usagePart(usage: Usage): vscode.LanguageModelDataPart {
  return vscode.LanguageModelDataPart.json(
    {
      prompt_tokens: usage.inputTokens,
      completion_tokens: usage.outputTokens,
      total_tokens: usage.inputTokens + usage.outputTokens,
      ...(usage.cachedInputTokens !== undefined
        ? { prompt_tokens_details: { cached_tokens: usage.cachedInputTokens } }
        : {}),
      ...(usage.reasoningTokens !== undefined
        ? { completion_tokens_details: { reasoning_tokens: usage.reasoningTokens } }
        : {}),
    },
    'usage',
  );
}

/** "$2.50 / $10.00 per M", "free (local)" or "price unknown". */
function priceText(quote: PriceQuote): string {
  if (quote.source === 'local') return 'free (local)';
  if (!quote.prices) return 'price unknown';
  const estimated = quote.source === 'estimated' ? ` (estimated from ${quote.estimatedFrom ?? 'a similar model'})` : '';
  return `${formatPerMillion(quote.prices.input)} / ${formatPerMillion(quote.prices.output)} per M${estimated}`;
}

/** "128K", "4K" */
/**
 * The calling extension's id, where VS Code passes it at run time (`requestInitiator`: not in the
 * stable API's types; `core` for VS Code itself); nothing when absent or not a plain short string.
 */
function initiatorOf(options: object): { initiator?: string } {
  const value: unknown = (options as { requestInitiator?: unknown }).requestInitiator;
  return typeof value === 'string' && /^[\w.-]{1,200}$/.test(value) ? { initiator: value } : {};
}

const contextText = (tokens: number) => `${Math.round(tokens / 1000)}K`;

/** Tool-call metadata kept for the next turn: bounded, as a long agent session makes many calls. */
const CALL_METADATA_LIMIT = 1000;

class SwitchboardLanguageModels implements vscode.LanguageModelChatProvider {
  readonly #changed = new vscode.EventEmitter<void>();
  readonly #callMetadata = new Map<string, Record<string, unknown>>();
  readonly onDidChangeLanguageModelChatInformation = this.#changed.event;

  readonly #services: Services;
  readonly #log: Services['log'];

  constructor(services: Services) {
    this.#services = services;
    this.#log = services.log.child('language-models');
  }

  changed(): void {
    this.#changed.fire();
  }

  async provideLanguageModelChatInformation(
    options: vscode.PrepareLanguageModelChatModelOptions,
  ): Promise<vscode.LanguageModelChatInformation[]> {
    const models: vscode.LanguageModelChatInformation[] = [];
    let missingKeys = 0;
    for (const entry of this.#services.registry.list().filter((candidate) => candidate.enabled)) {
      const template = findTemplate(entry.template ?? '');
      // A provider the user marked local runs without a key as a local template's does.
      const keyless = isLocalProvider(entry) || (template !== undefined && template.key !== 'required');
      // A key saved for another origin (the base URL changed since) is never sent: no key, as far as the picker goes.
      const key = keyless ? undefined : await this.#services.registry.keyState(entry.id);
      if (!keyless && !(key?.hasKey && key.origin === new URL(entry.baseUrl).origin)) {
        missingKeys++;
        continue;
      }
      const ids = [
        ...new Set([...(entry.defaultModel ? [entry.defaultModel] : []), ...entry.models.map((model) => model.id)]),
      ];
      for (const modelId of ids) {
        const facts = await this.#services.registry.modelFacts(entry.id, modelId);
        const budget = this.#budgetState(entry.id, modelId);
        const listedAt = this.#services.registry.modelList(entry.id)?.at;
        const dates: FactDates = {
          providerName: entry.name,
          ...(listedAt !== undefined ? { listedAt } : {}),
          priceDataDate: this.#services.prices.state.date,
        };
        models.push({
          id: modelKey({ providerId: entry.id, modelId }),
          name: facts.name.value,
          family: modelId,
          version: modelId,
          // What it costs and how much room is left, where the model is picked (not after a request fails).
          detail: [entry.name, priceText(facts.price), contextText(facts.contextWindow.value), budget?.short]
            .filter(Boolean)
            .join(' · '),
          tooltip: [
            `${entry.name}: ${this.#services.models.describe(
              {
                id: modelId,
                contextWindow: facts.contextWindow.value,
                ...(facts.capabilities.source !== 'default' ? { capabilities: facts.capabilities.value } : {}),
              },
              facts.price,
              {
                price: factLabel('price', facts.price.source, dates, facts.price.estimatedFrom),
                context: factLabel('contextWindow', facts.contextWindow.source, dates),
              },
            )}`,
            budget?.long,
          ]
            .filter(Boolean)
            .join('\n'),
          // The same window and answer room @switchboard fits its prompts to (an unknown Ollama model: 4,096 tokens, not 128,000).
          maxInputTokens: facts.maxInputTokens,
          maxOutputTokens: facts.maxOutputTokens.value,
          // Images: VS Code 1.104's stable API has no data part to carry them, so none are claimed.
          capabilities: { toolCalling: facts.capabilities.value.tools, imageInput: false },
        });
      }
    }
    if (missingKeys > 0 && !options.silent) {
      void this.#services.dialogs
        .info(`${missingKeys} Switchboard provider(s) have no API key, so their models are not offered.`, 'Set API Key')
        .then((choice) => choice && vscode.commands.executeCommand(Commands.setApiKey));
    }
    return models;
  }

  async provideLanguageModelChatResponse(
    model: vscode.LanguageModelChatInformation,
    messages: readonly vscode.LanguageModelChatRequestMessage[],
    options: vscode.ProvideLanguageModelChatResponseOptions,
    progress: vscode.Progress<vscode.LanguageModelResponsePart>,
    token: vscode.CancellationToken,
  ): Promise<void> {
    const { providerId, modelId } = refOf(model.id);
    if (this.#services.registry.get(providerId)?.enabled !== true)
      throw vscode.LanguageModelError.NotFound(
        `Switchboard no longer offers ${model.id}: its provider was removed or disabled.`,
      );
    const cancellation = abortSignalFor(token);
    const tools: ToolDefinition[] = (options.tools ?? []).map((tool) => ({
      name: tool.name,
      description: tool.description,
      parameters: tool.inputSchema ?? { type: 'object', properties: {} },
    }));
    try {
      // This model only, unless the user opted in: another extension chose it, and switching models under it could surprise.
      const picked = { provider: providerId, model: modelId };
      const useChain = this.#services.settings.current.languageModels.useFallbackChain;
      const steps = useChain
        ? [
            picked,
            ...this.#services.routing.steps().filter((step) => step.provider !== providerId || step.model !== modelId),
          ]
        : [picked];
      const chatMessages = toChatMessages(messages, (callId) => this.#callMetadata.get(callId));
      // Reasoning models (o-series, say) refuse a temperature: a caller's default one is dropped for them.
      const facts = await this.#services.registry.modelFacts(providerId, modelId);
      const { temperature, ...sampling } = samplingOptions(options.modelOptions);
      const events = this.#services.routing.run(
        {
          messages: chatMessages,
          ...sampling,
          ...(temperature !== undefined && !facts.capabilities.value.reasoning ? { temperature } : {}),
          ...(tools.length > 0
            ? {
                tools,
                ...(options.toolMode === vscode.LanguageModelChatToolMode.Required
                  ? { toolChoice: 'required' as const }
                  : {}),
              }
            : {}),
        },
        // No dialogs: the caller may be another extension working in the background; its error says what to fix.
        {
          surface: 'language-model',
          ...initiatorOf(options),
          signal: cancellation.signal,
          steps,
          askAboutKeys: false,
          // Strict unless the user opted in to the chain: then also its automatic form when it is empty.
          automaticFallback: useChain,
        },
      );
      let usage: Usage | undefined;
      let output = '';
      for await (const event of events) {
        if (event.type === 'usage') usage = event.usage;
        else if (event.type === 'route-answering') usage = undefined;
        else if (event.type === 'text') {
          output += event.text;
          progress.report(new vscode.LanguageModelTextPart(event.text));
        } else if (event.type === 'tool-call') {
          output += `${event.name}${JSON.stringify(event.arguments ?? {})}`;
          // Gemini and Ollama may send no id; VS Code matches results to calls by it.
          const callId = event.id ?? `call_${randomUUID()}`;
          // An id made up here must not go back to the provider as if it had sent it.
          const metadata = event.id ? event.providerMetadata : { ...event.providerMetadata, [LOCAL_CALL_ID]: true };
          if (metadata) this.#remember(callId, metadata);
          progress.report(
            new vscode.LanguageModelToolCallPart(
              callId,
              event.name,
              typeof event.arguments === 'object' && event.arguments !== null ? event.arguments : {},
            ),
          );
        }
      }
      // VS Code's context meter reads the last part; without it a Switchboard model shows an empty context.
      progress.report(usagePart(usage ?? (await this.#estimate(chatMessages, output, model.id, providerId))));
    } catch (error) {
      this.#log.warn(`language model request to ${model.id} failed`, error);
      throw toLanguageModelError(error);
    } finally {
      cancellation.dispose();
    }
  }

  /**
   * The budgets over this model, as the picker says them: the fullest one's use, or, when a budget
   * that refuses requests is spent, that the model is blocked and by which budget.
   */
  #budgetState(providerId: string, modelId: string): { short: string; long: string } | undefined {
    const { cost } = this.#services;
    const uses = cost.budgetUse().filter((use) => budgetApplies(use.budget.scope, { providerId, modelId }));
    const blocking = uses.find((use) => use.budget.mode !== 'warn' && use.fraction >= 1);
    if (blocking) {
      const name = cost.describeBudget(blocking.budget);
      return {
        short: `blocked: ${name} spent`,
        long: `Blocked: the ${name} (${formatUsd(blocking.budget.limitUsd)}) is spent (${formatUsd(blocking.spentUsd)}); requests to this model are refused until the period ends or the budget changes.`,
      };
    }
    const fullest = uses.sort((a, b) => b.fraction - a.fraction)[0];
    if (!fullest) return undefined;
    const percent = `${Math.floor(fullest.fraction * 100)} %`;
    const name = cost.describeBudget(fullest.budget);
    return {
      short: `${percent} of the ${name} used`,
      long: `${formatUsd(fullest.spentUsd)} of the ${name} (${formatUsd(fullest.budget.limitUsd)}) used.`,
    };
  }

  /** The tokens of a request whose provider reported none: the prompt and the answer, counted here. */
  async #estimate(messages: ChatMessage[], output: string, model: string, providerId: string): Promise<Usage> {
    const type = this.#services.registry.get(providerId)?.type ?? 'openai-compatible';
    const prompt = await countPromptTokens({ model, messages }, type);
    return { inputTokens: prompt.tokens, outputTokens: (await localTokenCounter())(output) };
  }

  #remember(callId: string, metadata: Record<string, unknown>): void {
    this.#callMetadata.set(callId, metadata);
    if (this.#callMetadata.size > CALL_METADATA_LIMIT)
      this.#callMetadata.delete(this.#callMetadata.keys().next().value!);
  }

  /**
   * Counted locally and at once: VS Code's chat counts every fragment of a prompt it builds, and a
   * network call per count would be slow and could cost. Exact once the tokenizer has loaded (the
   * first count starts it), estimated from the length before.
   */
  provideTokenCount(
    _model: vscode.LanguageModelChatInformation,
    text: string | vscode.LanguageModelChatRequestMessage,
  ): Promise<number> {
    const messages: ChatMessage[] =
      typeof text === 'string' ? [{ role: 'user', content: text }] : toChatMessages([text]);
    return Promise.resolve(countPromptTokensNow({ model: '', messages }).tokens);
  }
}

/** Offers Switchboard's models to VS Code's model picker and to other extensions. */
export function register(context: vscode.ExtensionContext, services: Services): void {
  const models = new SwitchboardLanguageModels(services);
  // The picker shows each model's budget use: it is told again when budgets or spend change (a
  // burst of requests, one telling).
  let pending: ReturnType<typeof setTimeout> | undefined;
  const spendChanged = () => {
    pending ??= setTimeout(() => {
      pending = undefined;
      models.changed();
    }, 1_000);
  };
  const recorded = services.cost.ledger.onDidRecord(spendChanged);
  context.subscriptions.push(
    vscode.lm.registerLanguageModelChatProvider(LANGUAGE_MODEL_VENDOR, models),
    services.registry.onDidChange(() => models.changed()),
    services.settings.onDidChange(['budgets'], () => models.changed()),
    // A provider's list said something new (a price, a loaded context), or the price data changed: the rows are priced again.
    services.registry.onDidListModels((event) => event.changed && spendChanged()),
    services.prices.onDidChange(spendChanged),
    { dispose: () => (recorded.dispose(), clearTimeout(pending)) },
  );
}
