import * as vscode from 'vscode';
import {
  CircuitBreakers,
  describeSwitch,
  describeWait,
  findTemplate,
  RateLimitPacer,
  retryPolicyFromSettings,
  route,
  systemClock,
  type ChatRequest,
  type FallbackStep,
  type Logger,
  type Registry,
  type RouteEvent,
  type RouteTarget,
  type Surface,
} from '../core';
import { Commands } from '../platform/commands';
import type { Dialogs } from '../platform/dialogs';
import type { Settings } from '../platform/settings';
import type { CostService, ModelLimits, RouteOptions, RoutingService as Routing } from '../services';

/**
 * Requests through the fallback chain: the default model first, then `switchboard.fallback.chain`
 * (or the chain a trusted workspace file declares). Circuit breakers and rate-limit pacing are
 * shared by every request of the window.
 */
export class RoutingService implements Routing, vscode.Disposable {
  readonly pacer = new RateLimitPacer(systemClock);
  circuits: CircuitBreakers;
  readonly #disposables: vscode.Disposable[] = [];
  /** Chain steps already reported as unusable: said once per window, not per request. */
  readonly #reported = new Set<string>();

  readonly #healthChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeHealth = this.#healthChanged.event;

  constructor(
    private readonly registry: Registry,
    private readonly cost: CostService,
    private readonly settings: Settings,
    private readonly dialogs: Dialogs,
    private readonly log: Logger,
  ) {
    this.circuits = this.#newCircuits();
    this.#disposables.push(
      this.#healthChanged,
      settings.onDidChange(['circuit'], () => {
        this.circuits = this.#newCircuits();
        this.#healthChanged.fire();
      }),
    );
  }

  #circuitListener: { dispose(): void } | undefined;

  #newCircuits(): CircuitBreakers {
    const { failureThreshold, coolDownSeconds } = this.settings.current.circuit;
    const circuits = new CircuitBreakers(systemClock, { failureThreshold, coolDownMs: coolDownSeconds * 1000 });
    this.#circuitListener?.dispose();
    this.#circuitListener = circuits.onDidChange(() => this.#healthChanged.fire());
    return circuits;
  }

  /** For the status bar tooltip: paused models and what each provider said it has left. */
  healthLines(): string[] {
    const time = (at: number) =>
      new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    const name = (providerId: string) => this.registry.get(providerId)?.name ?? providerId;
    const lines = this.circuits.snapshot().flatMap((circuit) => {
      const [providerId = '', ...model] = circuit.key.split('/');
      const what = `${name(providerId)} ${model.join('/')}`;
      if (circuit.state === 'open')
        return [
          `$(debug-pause) ${what}: skipped after ${circuit.consecutiveFailures} failures, until ${time(circuit.retryAt ?? Date.now())}`,
        ];
      if (circuit.state === 'half-open')
        return [`$(debug-pause) ${what}: the next request is a trial after ${circuit.consecutiveFailures} failures`];
      return [];
    });
    for (const [key, { info, at }] of this.pacer.entries()) {
      const [providerId = '', ...model] = key.split('/');
      const parts = [
        info.remainingRequests !== undefined
          ? `${info.remainingRequests.toLocaleString()}${info.limitRequests !== undefined ? ` of ${info.limitRequests.toLocaleString()}` : ''} requests`
          : undefined,
        info.remainingTokens !== undefined
          ? `${info.remainingTokens.toLocaleString()}${info.limitTokens !== undefined ? ` of ${info.limitTokens.toLocaleString()}` : ''} tokens`
          : undefined,
      ].filter((part) => part !== undefined);
      if (parts.length > 0)
        lines.push(`${name(providerId)} ${model.join('/')}: ${parts.join(', ')} left (at ${time(at)})`);
    }
    return lines;
  }

  /** The chain as configured, default model first, without repeats, disabled or unknown providers. */
  steps(): FallbackStep[] {
    const configured = this.settings.current.fallback.chain;
    const chain = configured.length > 0 ? configured : this.registry.workspaceFallback();
    const first = this.registry.defaultProvider();
    const model = this.registry.defaultModel();
    const steps = first && model ? [{ provider: first, model }, ...chain] : [...chain];
    const seen = new Set<string>();
    return steps.filter((step) => {
      const key = `${step.provider}/${step.model}`;
      const entry = this.registry.get(step.provider);
      if (!entry || !entry.enabled) {
        if (!this.#reported.has(key))
          this.log.warn(
            `fallback chain: provider "${step.provider}" is ${entry ? 'disabled' : 'not set up'}; ${step.model} skipped`,
          );
        this.#reported.add(key);
        return false;
      }
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  /** The room a model has, from the one source of model facts (an unknown window: the default for its kind of provider). */
  async limits(step: FallbackStep): Promise<ModelLimits> {
    const facts = await this.registry.modelFacts(step.provider, step.model);
    return {
      contextWindow: facts.contextWindow.value,
      maxOutputTokens: facts.maxOutputTokens.value,
      known: facts.contextWindow.source !== 'default',
    };
  }

  /** Each step with what the router judges it by: context window, tool support, prices. */
  async targets(steps: FallbackStep[], surface: Surface, initiator?: string): Promise<RouteTarget[]> {
    return Promise.all(
      steps.map(async (step): Promise<RouteTarget> => {
        const entry = this.registry.get(step.provider)!;
        const facts = await this.registry.modelFacts(entry.id, step.model);
        const target: RouteTarget = {
          providerId: entry.id,
          providerName: entry.name,
          model: step.model,
          provider: this.cost.meteredProvider(entry.id, surface, initiator),
        };
        // A hosted model's window is judged only when someone knows it; a local server's default is
        // the window it really runs with (it cuts a longer prompt from the front).
        const local = findTemplate(entry.template ?? '')?.local === true || entry.type === 'ollama';
        if (facts.contextWindow.source !== 'default' || local) target.contextWindow = facts.contextWindow.value;
        if (facts.capabilities.source !== 'default') target.tools = facts.capabilities.value.tools;
        if (facts.price.prices) target.prices = { input: facts.price.prices.input, output: facts.price.prices.output };
        return target;
      }),
    );
  }

  /** Sends a request down the chain, asking the user where the settings say to, and records every switch. */
  async *run(request: Omit<ChatRequest, 'model'>, options: RouteOptions): AsyncGenerator<RouteEvent, void, undefined> {
    // Steps passed in (a model picked elsewhere) may name a provider removed or disabled since.
    const steps = (options.steps ?? this.steps()).filter((step) => this.registry.get(step.provider)?.enabled === true);
    const { retry, fallback } = this.settings.current;
    const chain = await this.targets(steps, options.surface, options.initiator);
    const events = route(
      chain,
      { ...request, model: chain[0]?.model ?? '' },
      {
        clock: systemClock,
        signal: options.signal,
        circuits: this.circuits,
        pacer: this.pacer,
        promptTokens: options.promptTokens,
        retry: retryPolicyFromSettings(retry),
        maxCostRatio: fallback.maxCostRatio,
        askBeforeSwitchingProviders: fallback.askBeforeSwitchingProviders,
        confirmSwitch: async (question) => {
          const pricier =
            question.costRatio !== undefined
              ? ` (about ${question.costRatio.toFixed(1)}× the price)`
              : question.to.prices
                ? ' (a paid model)'
                : '';
          const choice = await this.dialogs.warn(
            `${question.from.providerName} ${question.from.model} ${question.error ? `failed: ${question.error.message}` : 'cannot take this request'}. Use ${question.to.providerName} ${question.to.model}${pricier}?`,
            'Switch',
            'Stop',
          );
          return choice === 'Switch';
        },
        onInvalidCredentials:
          options.askAboutKeys === false
            ? undefined
            : async (target, error) => {
                const choice = await this.dialogs.error(
                  `${target.providerName} refused its API key: ${error.message}`,
                  'Set API Key',
                  'Continue with the Next Model',
                );
                if (choice === 'Set API Key')
                  void vscode.commands.executeCommand(Commands.setApiKey, { providerId: target.providerId });
                return choice === 'Continue with the Next Model';
              },
      },
    );
    for await (const event of events) {
      if (event.type === 'route-switch') {
        this.log.warn(describeSwitch(event));
        this.registry
          .noteFallback(
            event.from.providerId,
            `${event.from.model} → ${event.to.providerId}/${event.to.model}: ${event.error.kind}${event.error.status ? ` (${event.error.status})` : ''}`,
          )
          .catch((error: unknown) => this.log.warn('could not record the switch in the audit log', error));
      } else if (event.type === 'route-wait') this.log.info(describeWait(event));
      else if (event.type === 'route-skip')
        this.log.info(`fallback chain: skipped ${event.target.providerId}/${event.target.model} (${event.reason})`);
      yield event;
    }
  }

  dispose(): void {
    this.#circuitListener?.dispose();
    for (const disposable of this.#disposables.splice(0)) disposable.dispose();
  }
}
