import * as vscode from 'vscode';
import {
  catalogFacts,
  CircuitBreakers,
  findTemplate,
  priceOf,
  RateLimitPacer,
  retryPolicyFromSettings,
  route,
  systemClock,
  type ChatRequest,
  type FallbackStep,
  type Logger,
  type ProviderError,
  type Registry,
  type RouteEvent,
  type RouteTarget,
  type Surface,
} from './core';
import { Commands } from './platform/commands';
import type { CostHost } from './costHost';

const seconds = (ms: number) => `${Math.max(1, Math.round(ms / 1000))} s`;

/** "OpenAI rate limit — retrying in 12 s": what a wait is for, in the user's words. */
export function describeWait(event: Extract<RouteEvent, { type: 'route-wait' }>): string {
  if (event.reason === 'pacing') return `${event.target.providerName} has no requests left for now (its rate-limit headers) — waiting ${seconds(event.delayMs)}`;
  const what: Partial<Record<ProviderError['kind'], string>> = { rate_limited: 'rate limit', overloaded: 'is overloaded', server_error: 'server error', timeout: 'timed out', network: 'cannot be reached' };
  return `${event.target.providerName} ${what[event.reason.kind] ?? event.reason.kind} — retrying in ${seconds(event.delayMs)}`;
}

/** "Answered by Anthropic claude-sonnet-4-5 after OpenAI gpt-4o: …" */
export function describeSwitch(event: Extract<RouteEvent, { type: 'route-switch' }>): string {
  return `${event.from.providerName} ${event.from.model} failed (${event.error.status ?? event.error.kind}); trying ${event.to.providerName} ${event.to.model}`;
}

/**
 * Requests through the fallback chain: the default model first, then `switchboard.fallback.chain`
 * (or the chain a trusted workspace file declares). Circuit breakers and rate-limit pacing are
 * shared by every request of the window.
 */
export class RoutingHost implements vscode.Disposable {
  readonly pacer = new RateLimitPacer(systemClock);
  circuits: CircuitBreakers;
  readonly #disposables: vscode.Disposable[] = [];
  /** Chain steps already reported as unusable: said once per window, not per request. */
  readonly #reported = new Set<string>();

  constructor(
    private readonly registry: Registry,
    private readonly cost: CostHost,
    private readonly log: Logger,
  ) {
    this.circuits = this.#newCircuits();
    this.#disposables.push(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('switchboard.circuit')) this.circuits = this.#newCircuits();
      }),
    );
    cost.setHealthSource(() => this.healthLines());
  }

  #circuitListener: { dispose(): void } | undefined;

  #newCircuits(): CircuitBreakers {
    const config = vscode.workspace.getConfiguration('switchboard.circuit');
    const circuits = new CircuitBreakers(systemClock, { failureThreshold: config.get('failureThreshold', 3), coolDownMs: config.get('coolDownSeconds', 30) * 1000 });
    this.#circuitListener?.dispose();
    this.#circuitListener = circuits.onDidChange(() => this.cost.refresh());
    return circuits;
  }

  /** For the status bar tooltip: paused models and what each provider said it has left. */
  healthLines(): string[] {
    const time = (at: number) => new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    const name = (providerId: string) => this.registry.get(providerId)?.name ?? providerId;
    const lines = this.circuits.snapshot().flatMap((circuit) => {
      const [providerId = '', ...model] = circuit.key.split('/');
      const what = `${name(providerId)} ${model.join('/')}`;
      if (circuit.state === 'open') return [`$(debug-pause) ${what}: skipped after ${circuit.consecutiveFailures} failures, until ${time(circuit.retryAt ?? Date.now())}`];
      if (circuit.state === 'half-open') return [`$(debug-pause) ${what}: the next request is a trial after ${circuit.consecutiveFailures} failures`];
      return [];
    });
    for (const [key, { info, at }] of this.pacer.entries()) {
      const [providerId = '', ...model] = key.split('/');
      const parts = [
        info.remainingRequests !== undefined ? `${info.remainingRequests.toLocaleString()}${info.limitRequests !== undefined ? ` of ${info.limitRequests.toLocaleString()}` : ''} requests` : undefined,
        info.remainingTokens !== undefined ? `${info.remainingTokens.toLocaleString()}${info.limitTokens !== undefined ? ` of ${info.limitTokens.toLocaleString()}` : ''} tokens` : undefined,
      ].filter((part) => part !== undefined);
      if (parts.length > 0) lines.push(`${name(providerId)} ${model.join('/')}: ${parts.join(', ')} left (at ${time(at)})`);
    }
    return lines;
  }

  /** The chain as configured, default model first, without repeats, disabled or unknown providers. */
  steps(): FallbackStep[] {
    const configured = vscode.workspace.getConfiguration('switchboard.fallback').get<FallbackStep[]>('chain', []);
    const chain = configured.length > 0 ? configured : this.registry.workspaceFallback();
    const first = this.registry.defaultProvider();
    const model = this.registry.defaultModel();
    const steps = first && model ? [{ provider: first, model }, ...chain] : [...chain];
    const seen = new Set<string>();
    return steps.filter((step) => {
      const key = `${step.provider}/${step.model}`;
      const entry = this.registry.get(step.provider);
      if (!entry || !entry.enabled) {
        if (!this.#reported.has(key)) this.log.warn(`fallback chain: provider "${step.provider}" is ${entry ? 'disabled' : 'not set up'}; ${step.model} skipped`);
        this.#reported.add(key);
        return false;
      }
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  /**
   * The room a model has: the user's override, else the catalog's. Unknown windows are assumed to
   * be what local servers load by default (Ollama and LM Studio: 4,096 tokens, whatever the model
   * could take; a longer prompt is cut from the front) or what hosted models commonly have.
   */
  async limits(step: FallbackStep): Promise<{ contextWindow: number; maxOutputTokens?: number; known: boolean }> {
    const entry = this.registry.get(step.provider);
    const template = findTemplate(entry?.template ?? '');
    const chosen = entry?.models.find((model) => model.id === step.model);
    const facts = await catalogFacts(template?.catalogIds ?? [], step.model);
    const contextWindow = chosen?.contextWindow ?? facts.contextWindow;
    const maxOutputTokens = chosen?.maxOutputTokens ?? facts.maxOutputTokens;
    return { contextWindow: contextWindow ?? (template?.local || entry?.type === 'ollama' ? 4096 : 128_000), ...(maxOutputTokens ? { maxOutputTokens } : {}), known: contextWindow !== undefined };
  }

  /** Each step with what the router judges it by: context window, tool support, prices. */
  async targets(steps: FallbackStep[], surface: Surface): Promise<RouteTarget[]> {
    return Promise.all(
      steps.map(async (step): Promise<RouteTarget> => {
        const entry = this.registry.get(step.provider)!;
        const template = findTemplate(entry.template ?? '');
        const chosen = entry.models.find((model) => model.id === step.model);
        const [facts, quote] = await Promise.all([
          catalogFacts(template?.catalogIds ?? [], step.model),
          priceOf({ catalogIds: template?.catalogIds ?? [], local: template?.local, overrides: chosen?.prices }, step.model),
        ]);
        const target: RouteTarget = { providerId: entry.id, providerName: entry.name, model: step.model, provider: this.cost.meteredProvider(entry.id, surface) };
        const contextWindow = chosen?.contextWindow ?? facts.contextWindow;
        if (contextWindow !== undefined) target.contextWindow = contextWindow;
        if (facts.capabilities?.tools !== undefined) target.tools = facts.capabilities.tools;
        if (quote.prices) target.prices = { input: quote.prices.input, output: quote.prices.output };
        return target;
      }),
    );
  }

  /** Sends a request down the chain, asking the user where the settings say to, and records every switch. */
  async *run(
    request: Omit<ChatRequest, 'model'>,
    /** askAboutKeys: false where the caller shows its own action for a refused key (or no one is there to ask). */
    options: { surface: Surface; signal?: AbortSignal; steps?: FallbackStep[]; promptTokens?: number; askAboutKeys?: boolean },
  ): AsyncGenerator<RouteEvent, void, undefined> {
    // Steps passed in (a model picked elsewhere) may name a provider removed or disabled since.
    const steps = (options.steps ?? this.steps()).filter((step) => this.registry.get(step.provider)?.enabled === true);
    const config = vscode.workspace.getConfiguration('switchboard');
    const chain = await this.targets(steps, options.surface);
    const events = route(chain, { ...request, model: chain[0]?.model ?? '' }, {
      clock: systemClock,
      signal: options.signal,
      circuits: this.circuits,
      pacer: this.pacer,
      promptTokens: options.promptTokens,
      retry: retryPolicyFromSettings({ maxAttempts: config.get('retry.maxAttempts'), maxWaitSeconds: config.get('retry.maxWaitSeconds') }),
      maxCostRatio: config.get('fallback.maxCostRatio', 3),
      askBeforeSwitchingProviders: config.get('fallback.askBeforeSwitchingProviders', false),
      confirmSwitch: async (question) => {
        const pricier = question.costRatio !== undefined ? ` (about ${question.costRatio.toFixed(1)}× the price)` : question.to.prices ? ' (a paid model)' : '';
        const choice = await vscode.window.showWarningMessage(
          `${question.from.providerName} ${question.from.model} ${question.error ? `failed: ${question.error.message}` : 'cannot take this request'}. Use ${question.to.providerName} ${question.to.model}${pricier}?`,
          'Switch',
          'Stop',
        );
        return choice === 'Switch';
      },
      onInvalidCredentials: options.askAboutKeys === false ? undefined : async (target, error) => {
        const choice = await vscode.window.showErrorMessage(`${target.providerName} refused its API key: ${error.message}`, 'Set API Key', 'Continue with the Next Model');
        if (choice === 'Set API Key') void vscode.commands.executeCommand(Commands.setApiKey, { providerId: target.providerId });
        return choice === 'Continue with the Next Model';
      },
    });
    for await (const event of events) {
      if (event.type === 'route-switch') {
        this.log.warn(describeSwitch(event));
        this.registry
          .noteFallback(event.from.providerId, `${event.from.model} → ${event.to.providerId}/${event.to.model}: ${event.error.kind}${event.error.status ? ` (${event.error.status})` : ''}`)
          .catch((error: unknown) => this.log.warn('could not record the switch in the audit log', error));
      } else if (event.type === 'route-wait') this.log.info(describeWait(event));
      else if (event.type === 'route-skip') this.log.info(`fallback chain: skipped ${event.target.providerId}/${event.target.model} (${event.reason})`);
      yield event;
    }
  }

  dispose(): void {
    this.#circuitListener?.dispose();
    for (const disposable of this.#disposables.splice(0)) disposable.dispose();
  }
}

/** Test Fallback Chain and Edit Fallback Chain. */
export function registerRoutingCommands(routing: RoutingHost, registry: Registry): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(Commands.testFallbackChain, async () => {
      const steps = routing.steps();
      if (steps.length === 0) {
        const choice = await vscode.window.showInformationMessage('Switchboard has no model to try: choose a default model first.', 'Select Default Model');
        if (choice) await vscode.commands.executeCommand(Commands.selectDefaultModel);
        return undefined;
      }
      return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Switchboard: testing the fallback chain', cancellable: true }, async (progress, token) => {
        const controller = new AbortController();
        const cancel = token.onCancellationRequested(() => controller.abort());
        const switches: Array<{ from: string; to: string; error: string }> = [];
        let answeredBy: { providerId: string; model: string } | undefined;
        let text = '';
        try {
          const request = { messages: [{ role: 'user' as const, content: 'Reply with the single word OK.' }], maxTokens: 16 };
          for await (const event of routing.run(request, { surface: 'connection-test', signal: controller.signal, steps })) {
            if (event.type === 'route-wait') progress.report({ message: describeWait(event) });
            else if (event.type === 'route-switch') {
              switches.push({ from: `${event.from.providerId}/${event.from.model}`, to: `${event.to.providerId}/${event.to.model}`, error: event.error.kind });
              progress.report({ message: describeSwitch(event) });
            } else if (event.type === 'route-answering') answeredBy = { providerId: event.target.providerId, model: event.target.model };
            else if (event.type === 'text') text += event.text;
          }
          const who = answeredBy ? `${registry.get(answeredBy.providerId)?.name ?? answeredBy.providerId} ${answeredBy.model}` : 'nobody';
          const after = switches.length > 0 ? ` after ${switches.map((item) => `${item.from} (${item.error})`).join(', ')}` : '';
          void vscode.window.showInformationMessage(`Fallback chain works: answered by ${who}${after}.`);
          return { ok: true, answeredBy, switches, text };
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          void vscode.window.showErrorMessage(`Fallback chain: ${message}`);
          return { ok: false, switches, error: message };
        } finally {
          cancel.dispose();
        }
      });
    }),
    vscode.commands.registerCommand(Commands.editFallbackChain, async () => editFallbackChain(routing, registry)),
  ];
}

interface StepItem extends vscode.QuickPickItem {
  step?: FallbackStep;
  done?: boolean;
}

/** Builds the chain one model at a time, in order, from the models each enabled provider lists in Switchboard. */
async function editFallbackChain(routing: RoutingHost, registry: Registry): Promise<void> {
  const candidates = registry
    .list()
    .filter((entry) => entry.enabled)
    .flatMap((entry) => [...new Set([...(entry.defaultModel ? [entry.defaultModel] : []), ...entry.models.map((model) => model.id)])].map((model) => ({ provider: entry.id, model, name: entry.name })));
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage('No models to choose from: add a provider and choose its models first.');
    return;
  }
  const chain: FallbackStep[] = [];
  const head = routing.steps()[0];
  for (;;) {
    const order = [...(head ? [`${head.provider}/${head.model} (default)`] : []), ...chain.map((step) => `${step.provider}/${step.model}`)].join(' → ');
    const items: StepItem[] = [
      { label: '$(check) Done', description: order || 'no fallback', done: true },
      ...candidates
        .filter((candidate) => !chain.some((step) => step.provider === candidate.provider && step.model === candidate.model) && !(head?.provider === candidate.provider && head.model === candidate.model))
        .map((candidate) => ({ label: candidate.model, description: candidate.name, step: { provider: candidate.provider, model: candidate.model } })),
    ];
    const picked = await vscode.window.showQuickPick(items, { title: `Fallback chain: model ${chain.length + 1}`, placeHolder: order ? `So far: ${order}` : 'The model to try when the default fails' });
    if (!picked) return;
    if (picked.done || !picked.step) break;
    chain.push(picked.step);
  }
  await vscode.workspace.getConfiguration('switchboard.fallback').update('chain', chain, vscode.ConfigurationTarget.Global);
  await registry.noteFallbackChange(`chain set: ${chain.map((step) => `${step.provider}/${step.model}`).join(' → ') || 'none'}`);
}
