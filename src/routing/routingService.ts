import * as vscode from 'vscode';
import {
  automaticFallback,
  CircuitBreakers,
  describeHealth,
  describeSkipSwitch,
  describeSwitch,
  describeWait,
  EXCLUSION_WORDS,
  findTemplate,
  notingSwitches,
  RateLimitPacer,
  retryPolicyFromSettings,
  route,
  systemClock,
  type ChatRequest,
  type FallbackStep,
  type Logger,
  type ProviderHealth,
  type Registry,
  type RouteEvent,
  type RouteTarget,
  type Surface,
} from '../core';
import { Commands } from '../platform/commands';
import type { Dialogs } from '../platform/dialogs';
import type { Settings } from '../platform/settings';
import type { CostService, ModelLimits, RouteOptions, RoutingService as Routing } from '../services';
import { BackgroundHealth } from './backgroundHealth';

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
  /** The providers' background checks (their model lists), on the settings' schedule. */
  readonly background: BackgroundHealth;

  constructor(
    private readonly registry: Registry,
    private readonly cost: CostService,
    private readonly settings: Settings,
    private readonly dialogs: Dialogs,
    private readonly log: Logger,
  ) {
    this.circuits = this.#newCircuits();
    this.background = new BackgroundHealth(registry, settings, log, () => this.#healthChanged.fire());
    this.#disposables.push(
      this.background,
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

  /** What the background checks know of an enabled provider (undefined while they are off). */
  health(providerId: string): ProviderHealth | undefined {
    return this.background.status(providerId);
  }

  /** For the status bar tooltip: each provider's checks, paused models and what each provider said it has left. */
  healthLines(): string[] {
    const time = (at: number) =>
      new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    const name = (providerId: string) => this.registry.get(providerId)?.name ?? providerId;
    const icons = {
      healthy: '$(pass)',
      slow: '$(watch)',
      failing: '$(error)',
      'no-free-call': '$(circle-slash)',
      'no-key': '$(key)',
    };
    const checked = this.registry.list().flatMap((entry) => {
      const health = this.health(entry.id);
      if (!health || health.state === 'unchecked') return [];
      return [
        `${icons[health.state]} ${entry.name}: ${describeHealth(health)}${health.checkedAt ? ` (checked ${time(health.checkedAt)})` : ''}`,
      ];
    });
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
    return [...checked, ...lines];
  }

  /** The chain as configured, default model first, without repeats, disabled or unknown providers. */
  steps(): FallbackStep[] {
    const chain = this.#configuredChain();
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

  /** The user's chain, or (when it is empty) a trusted workspace file's. */
  #configuredChain(): readonly FallbackStep[] {
    const configured = this.settings.current.fallback.chain;
    return configured.length > 0 ? configured : this.registry.workspaceFallback();
  }

  /**
   * With no chain set up: the other providers' default models that can take this request within
   * the cost ratio, cheapest first (marked `automatic`, so every message says why they were tried).
   */
  async #automatic(chain: RouteTarget[], request: Omit<ChatRequest, 'model'>, options: RouteOptions) {
    const { fallback } = this.settings.current;
    if (options.automaticFallback !== true || !fallback.automatic || this.#configuredChain().length > 0) return [];
    // A prompt under a data policy (no collection, zero retention) is not sent on to a provider that
    // never agreed to it: only a chain the user set up moves it elsewhere.
    const first = chain[0] && this.registry.get(chain[0].providerId);
    if (first && this.#underDataPolicy(first.id, first.template)) {
      this.log.info(`automatic failover (empty chain): none from ${first.id}, whose prompts are under a data policy`);
      return [];
    }
    const entries = this.registry.list().filter((entry) => entry.defaultModel ?? entry.models[0]);
    const candidates = await Promise.all(
      entries.map(async (entry) => {
        const [target] = await this.targets(
          [{ provider: entry.id, model: (entry.defaultModel ?? entry.models[0]?.id)! }],
          options.surface,
          options.initiator,
        );
        const template = findTemplate(entry.template ?? '');
        const key = template && template.key !== 'required' ? undefined : await this.registry.keyState(entry.id);
        const keyReady = key === undefined || (key.hasKey && key.origin === new URL(entry.baseUrl).origin);
        return { target: target!, enabled: entry.enabled, keyReady };
      }),
    );
    const { targets, excluded } = automaticFallback(chain, candidates, {
      tools: (request.tools?.length ?? 0) > 0,
      ...(options.promptTokens !== undefined ? { promptTokens: options.promptTokens } : {}),
      maxCostRatio: fallback.maxCostRatio,
    });
    const left = excluded
      .filter(({ why }) => why !== 'in-chain')
      .map(({ target, why }) => `${target.providerId}/${target.model} (${EXCLUSION_WORDS[why]})`);
    this.log.info(
      `automatic failover (empty chain): ${targets.map((target) => `${target.providerId}/${target.model}`).join(' → ') || 'no candidate'}${left.length > 0 ? `; left out ${left.join(', ')}` : ''}`,
    );
    return targets;
  }

  /** Whether the team's data policy for the provider (or, for OpenRouter, the user's own) restricts where prompts go. */
  #underDataPolicy(providerId: string, template: string | undefined): boolean {
    const team = this.registry.teamPolicy()[providerId]?.dataPolicy;
    const user =
      findTemplate(template ?? '')?.modelListing === 'openrouter' ? this.settings.current.openRouter.dataPolicy : {};
    return [team, user].some((policy) => policy?.denyDataCollection === true || policy?.zeroDataRetention === true);
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
    const listed = await this.targets(steps, options.surface, options.initiator);
    const chain = [...listed, ...(await this.#automatic(listed, request, options))];
    const routed = route(
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
        failingChecks: (providerId) => this.background.failing(providerId),
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
    // Every switch, a failure's or a skip's, goes to the activity log.
    const events = notingSwitches(
      routed,
      (providerId, detail) => this.registry.noteFallback(providerId, detail),
      (error) => this.log.warn('could not record the switch in the audit log', error),
    );
    for await (const event of events) {
      if (event.type === 'route-switch') this.log.warn(describeSwitch(event));
      else if (event.type === 'route-skip-switch') this.log.warn(describeSkipSwitch(event));
      else if (event.type === 'route-wait') this.log.info(describeWait(event));
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
