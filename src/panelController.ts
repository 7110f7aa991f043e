import * as vscode from 'vscode';
import * as z from 'zod';
import { findTemplate, isValidModelId, priceOf, PROVIDER_TEMPLATES, withCatalog, type DoctorReport, type Logger, type ModelInfo, type ProviderEntry, type Registry, type StageResult } from './core';
import { Commands } from './platform/commands';
import type { CostService as CostHost } from './services';
import type { RoutingService as RoutingHost } from './services';
import { hostToWebview, parseMessage, webviewToHost, type HostToWebview, type ModelRow, type CatalogRow, type PanelFallbackStep, type PanelReport, type PanelRequest, type PanelSpend, type PanelState, type PanelView, type ProviderCard } from './shared/protocol';

/** Enough of a request to answer its id when the rest does not parse. */
const requestEnvelope = z.object({ type: z.literal('request'), id: z.number().int().nonnegative() });

/**
 * The provider panel's host side, apart from the webview so it can be driven directly: every
 * message is untrusted input, parsed with the protocol's schema; what does not parse, or names a
 * provider that is not there, is refused and logged, never acted on. Keys only ever arrive here.
 */
export class PanelController implements vscode.Disposable {
  /** Requests still running (a connection test), stopped when the panel goes away. */
  readonly #running = new Set<AbortController>();
  readonly #subscription: { dispose(): void };
  #statePending = false;
  /** The webview said `ready`: until then (and after a reload, until it says so again) nothing is posted. */
  #ready = false;
  #disposed = false;
  /** A section to show once the webview is ready (the panel was opened for it). */
  #pendingView: PanelView | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly cost: CostHost,
    private readonly routing: RoutingHost,
    private readonly log: Logger,
    private readonly version: string,
    private readonly post: (message: HostToWebview) => Thenable<boolean> | Promise<boolean>,
  ) {
    const registryChanges = registry.onDidChange(() => this.#scheduleState());
    const circuitChanges = routing.circuits.onDidChange(() => this.#scheduleState());
    const settingChanges = vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('switchboard.fallback')) this.#scheduleState();
      // Budgets changed elsewhere (settings, the Set Budget command): a panel showing them asks again.
      if (event.affectsConfiguration('switchboard.budgets') && this.#ready) void this.#send({ type: 'spendChanged' });
    });
    // A request recorded here or in another window: a panel showing spend asks again (at most once a second).
    let spendTimer: ReturnType<typeof setTimeout> | undefined;
    const records = cost.ledger.onDidChange(() => {
      spendTimer ??= setTimeout(() => {
        spendTimer = undefined;
        if (this.#ready) void this.#send({ type: 'spendChanged' });
      }, 1000);
    });
    this.#subscription = {
      dispose: () => {
        clearTimeout(spendTimer);
        registryChanges.dispose();
        circuitChanges.dispose();
        settingChanges.dispose();
        records.dispose();
      },
    };
  }

  /** Handles one message from the webview; resolves once it is answered (tests await it). */
  async receive(raw: unknown): Promise<void> {
    const parsed = parseMessage(webviewToHost, raw);
    if (!parsed.ok) {
      this.log.warn(`panel: refused a malformed message (${parsed.error})`);
      // A request whose id is readable gets its refusal, so the panel does not wait forever (field names only, never values).
      const envelope = requestEnvelope.safeParse(raw);
      if (envelope.success) await this.#send({ type: 'error', id: envelope.data.id, error: `Switchboard refused the request: ${parsed.error}` });
      return;
    }
    const message = parsed.message;
    if (message.type === 'ready') {
      // A reloaded webview: what the previous one started is nobody's now.
      this.#abortRunning();
      this.#ready = true;
      await this.#send({ type: 'state', state: await this.state() });
      if (this.#pendingView) await this.#send({ type: 'show', view: this.#pendingView });
      this.#pendingView = undefined;
      return;
    }
    const { id, request } = message;
    const controller = new AbortController();
    this.#running.add(controller);
    try {
      await this.#handle(id, request, controller.signal);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.log.warn(`panel: ${request.action} failed: ${text}`);
      await this.#send({ type: 'error', id, error: text });
    } finally {
      this.#running.delete(controller);
    }
  }

  async #handle(id: number, request: PanelRequest, signal: AbortSignal): Promise<void> {
    const onStage = (stage: StageResult) => void this.#send({ type: 'stage', id, stage });
    if (request.action === 'testDraft') {
      if (request.apiKey?.trim().startsWith('${')) throw new Error('A ${env:…} key is read when it is used: save the provider without testing, then test it from its card.');
      const report = await this.registry.testDraft({ template: request.template, baseUrl: request.baseUrl, apiKey: request.apiKey }, { signal, onStage });
      await this.#send({ type: 'reply', id, report: await this.#report(request.template, report) });
      return;
    }
    if (request.action === 'addProvider') {
      const template = findTemplate(request.template);
      if (!template) throw new Error(`Unknown template "${request.template}".`);
      const apiKey = request.apiKey?.trim() || undefined;
      if (template.key === 'required' && !apiKey) throw new Error(`${template.name} needs an API key: enter it, then save.`);
      // A key that runs a command is only ever typed by the user in VS Code's own key box, never sent by a webview.
      if (apiKey?.startsWith('${command:')) throw new Error('A ${command:…} key can only be entered with "Switchboard: Set API Key".');
      const entry = await this.registry.add({ template: request.template, name: request.name, baseUrl: request.baseUrl, apiKey });
      const models = [...new Set([...(request.defaultModel ? [request.defaultModel] : []), ...request.models])];
      if (models.length > 0) await this.registry.update(entry.id, { models: models.map((model) => ({ id: model })) });
      if (request.defaultModel) await this.registry.setDefault(entry.id, request.defaultModel);
      await this.#send({ type: 'reply', id, providerId: entry.id });
      return;
    }
    if (request.action === 'spend') {
      await this.#send({ type: 'reply', id, spend: this.#spend(request.days) });
      return;
    }
    if (request.action === 'saveBudget') {
      // One budget per scope and period: a change to an existing one keeps its id (it may come from the Set Budget command).
      const sameScope = this.cost.budgetUse().find(({ budget }) => budget.period === request.budget.period && JSON.stringify(budget.scope) === JSON.stringify(request.budget.scope));
      // The budget command checks it with the core's schema and records the change in the audit log.
      await vscode.commands.executeCommand(Commands.setBudget, { ...request.budget, id: sameScope?.budget.id ?? request.budget.id });
      await this.#send({ type: 'reply', id });
      return;
    }
    if (request.action === 'removeBudget') {
      const config = vscode.workspace.getConfiguration('switchboard');
      const budgets = config.get<Array<{ id?: string }>>('budgets', []);
      if (!budgets.some((item) => item.id === request.budgetId)) throw new Error(`No budget "${request.budgetId}".`);
      const choice = await vscode.window.showWarningMessage(`Remove the budget "${request.budgetId}"?`, { modal: true }, 'Remove');
      if (choice === 'Remove') {
        await config.update('budgets', budgets.filter((item) => item.id !== request.budgetId), vscode.ConfigurationTarget.Global);
        await this.registry.noteBudgetChange(`${request.budgetId} removed`);
      }
      await this.#send({ type: 'reply', id });
      return;
    }
    if (request.action === 'exportUsage') {
      await vscode.commands.executeCommand(Commands.exportUsage, { format: request.format });
      await this.#send({ type: 'reply', id });
      return;
    }
    if (request.action === 'saveFallback') {
      const unknown = request.steps.find((step) => !this.registry.get(step.provider));
      if (unknown) throw new Error(`No provider "${unknown.provider}".`);
      await vscode.workspace.getConfiguration('switchboard.fallback').update('chain', request.steps, vscode.ConfigurationTarget.Global);
      await this.registry.noteFallbackChange(`chain set in the panel: ${request.steps.map((step) => `${step.provider}/${step.model}`).join(' → ') || 'none'}`);
      await this.#send({ type: 'reply', id });
      return;
    }
    if (request.action === 'allModels') {
      const providers = this.registry.list().filter((entry) => entry.enabled);
      const results = await Promise.allSettled(providers.map(async (entry) => ({ entry, rows: await this.#rows(entry.template ?? '', await this.registry.refreshModels(entry.id, { signal }), entry.models) })));
      const rows: CatalogRow[] = [];
      const failed: Array<{ providerName: string; error: string }> = [];
      results.forEach((result, index) => {
        const entry = providers[index]!;
        if (result.status === 'rejected') {
          failed.push({ providerName: entry.name, error: result.reason instanceof Error ? result.reason.message : String(result.reason) });
          return;
        }
        for (const row of result.value.rows) {
          const own = entry.models.find((model) => model.id === row.id);
          const userValues = Object.fromEntries(
            Object.entries({ contextWindow: own?.contextWindow, maxOutputTokens: own?.maxOutputTokens, input: own?.prices?.input, output: own?.prices?.output, cachedInput: own?.prices?.cachedInput }).filter(([, value]) => value !== undefined),
          );
          rows.push({ ...row, providerId: entry.id, providerName: entry.name, chosen: own !== undefined || entry.defaultModel === row.id, editable: !entry.readOnly, userValues });
        }
      });
      await this.#send({ type: 'reply', id, catalog: { rows, failed } });
      return;
    }
    if (request.action === 'audit') {
      await this.#send({ type: 'reply', id, audit: this.registry.auditEntries() });
      return;
    }
    if (request.action === 'openChat') {
      await vscode.commands.executeCommand(Commands.openChat);
      await this.#send({ type: 'reply', id });
      return;
    }
    if (request.action === 'detectLocal') {
      const found = (await vscode.commands.executeCommand<string[] | undefined>(Commands.detectLocalProviders)) ?? [];
      await this.#send({ type: 'reply', id, found });
      return;
    }
    const entry = this.registry.get(request.providerId);
    if (!entry) throw new Error(`No provider "${request.providerId}": it was removed.`);
    switch (request.action) {
      case 'testProvider': {
        const report = await this.registry.testConnection(entry.id, { signal, onStage, wrapChat: (provider) => this.cost.meter(provider, entry.id, 'connection-test') });
        await this.#send({ type: 'reply', id, report: await this.#report(entry.template ?? '', report, entry.models) });
        return;
      }
      case 'listModels': {
        const models = await this.registry.refreshModels(entry.id, { signal });
        await this.#send({ type: 'reply', id, models: await this.#rows(entry.template ?? '', models, entry.models) });
        return;
      }
      case 'setEnabled':
        if (entry.readOnly) throw new Error(`${entry.name} comes from ${entry.source} and is read-only here.`);
        await this.registry.setEnabled(entry.id, request.enabled);
        break;
      case 'setDefault':
        await this.registry.setDefault(entry.id, request.modelId);
        break;
      case 'saveOverrides': {
        if (entry.readOnly) throw new Error(`${entry.name} comes from ${entry.source}: change its models there.`);
        const existing = entry.models.find((model) => model.id === request.modelId);
        // Field by field: what the form does not show (cache-write prices, reasoning settings) stays.
        const set = <T>(value: T | null, current: T | undefined) => (value === null ? undefined : (value ?? current));
        const prices = { ...existing?.prices, input: set(request.input, existing?.prices?.input), output: set(request.output, existing?.prices?.output), cachedInput: set(request.cachedInput, existing?.prices?.cachedInput) };
        const cleanPrices = Object.fromEntries(Object.entries(prices).filter(([, value]) => value !== undefined));
        const updated = { ...(existing ?? { id: request.modelId }), contextWindow: set(request.contextWindow, existing?.contextWindow), maxOutputTokens: set(request.maxOutputTokens, existing?.maxOutputTokens), prices: Object.keys(cleanPrices).length > 0 ? cleanPrices : undefined };
        const clean = Object.fromEntries(Object.entries(updated).filter(([, value]) => value !== undefined)) as typeof updated;
        // Overrides live with the provider's chosen models: a model edited here is added to them.
        await this.registry.update(entry.id, { models: existing ? entry.models.map((model) => (model.id === request.modelId ? clean : model)) : [...entry.models, clean] });
        break;
      }
      case 'setKey':
        await vscode.commands.executeCommand(Commands.setApiKey, { providerId: entry.id });
        break;
      case 'editProvider':
        if (entry.readOnly) throw new Error(`${entry.name} comes from ${entry.source}: change it there.`);
        await vscode.commands.executeCommand(Commands.editProvider, { providerId: entry.id });
        break;
      case 'removeProvider': {
        if (entry.readOnly) throw new Error(`${entry.name} comes from ${entry.source}: remove it there.`);
        const choice = await vscode.window.showWarningMessage(`Remove ${entry.name} and its key?`, { modal: true }, 'Remove');
        if (choice === 'Remove') await this.registry.remove(entry.id);
        break;
      }
    }
    await this.#send({ type: 'reply', id });
  }

  /** Brings a section forward now, or as soon as the webview is ready. */
  show(view: PanelView): void {
    if (this.#ready) void this.#send({ type: 'show', view });
    else this.#pendingView = view;
  }

  /** A hidden panel's webview is torn down (no retainContextWhenHidden): nothing is posted until it says `ready` again. */
  hidden(): void {
    this.#ready = false;
  }

  /** Posts unless the panel is gone; a failed post (the webview closing) is logged, not thrown. */
  async #send(message: HostToWebview): Promise<void> {
    if (this.#disposed) return;
    // Checked here, so a value the panel cannot show (a hand-written setting, say) fails this one message, not the panel.
    const checked = hostToWebview.safeParse(message);
    if (!checked.success) {
      const problem = checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
      this.log.warn(`panel: could not send ${message.type}: ${problem}`);
      if ('id' in message && message.type !== 'error') await this.#send({ type: 'error', id: message.id, error: `Switchboard could not show this (${problem}). Check your settings.` });
      return;
    }
    try {
      await this.post(message);
    } catch (error) {
      this.log.warn('panel: could not post to the webview', error);
    }
  }

  #abortRunning(): void {
    for (const controller of this.#running) controller.abort();
    this.#running.clear();
  }

  /** What the panel shows: every provider as a card (keys as masks only) and the templates for the wizard. */
  async state(): Promise<PanelState> {
    const defaultProvider = this.registry.defaultProvider();
    const providers = await Promise.all(
      this.registry.list().map(async (entry): Promise<ProviderCard> => {
        const template = findTemplate(entry.template ?? '');
        const keyState = await this.registry.keyState(entry.id);
        const key: ProviderCard['key'] =
          keyState.hasKey && keyState.origin !== new URL(entry.baseUrl).origin ? { state: 'other-origin' }
          : keyState.hasKey ? { state: 'set', ...(keyState.mask ? { mask: keyState.mask } : {}) }
          : { state: template && template.key !== 'required' ? 'not-needed' : 'none' };
        return {
          id: entry.id,
          name: entry.name,
          ...(entry.template ? { template: entry.template } : {}),
          ...(template ? { templateName: template.name } : {}),
          baseUrl: entry.baseUrl,
          enabled: entry.enabled,
          source: entry.source,
          readOnly: entry.readOnly,
          key,
          ...(entry.lastTest ? { lastTest: entry.lastTest } : {}),
          isDefault: entry.id === defaultProvider,
          ...(entry.defaultModel ? { defaultModel: entry.defaultModel } : {}),
          models: entry.models.map((model) => model.id),
        };
      }),
    );
    const templates = PROVIDER_TEMPLATES.map((template) => ({
      id: template.id,
      name: template.name,
      ...(template.baseUrl ? { baseUrl: template.baseUrl } : {}),
      ...(template.keyUrl ? { keyUrl: template.keyUrl } : {}),
      key: template.key,
      ...(template.keyPrefix ? { keyPrefix: template.keyPrefix } : {}),
      local: template.local === true,
    }));
    return { version: this.version, providers, templates, fallback: this.#fallback() };
  }

  /** The chain as it will run: the default first, then each step with its circuit's state. */
  #fallback(): PanelState['fallback'] {
    const circuits = new Map(this.routing.circuits.snapshot().map((circuit) => [circuit.key, circuit]));
    const describe = (step: { provider: string; model: string }): PanelFallbackStep => {
      const circuit = circuits.get(`${step.provider}/${step.model}`);
      return {
        provider: step.provider,
        model: step.model,
        providerName: this.registry.get(step.provider)?.name ?? step.provider,
        circuit: circuit?.state ?? 'closed',
        failures: circuit?.consecutiveFailures ?? 0,
        ...(circuit?.retryAt !== undefined ? { retryAt: circuit.retryAt } : {}),
      };
    };
    const configured = vscode.workspace.getConfiguration('switchboard.fallback').get<Array<{ provider: string; model: string }>>('chain', []);
    const firstProvider = this.registry.defaultProvider();
    const firstModel = this.registry.defaultModel();
    return {
      ...(firstProvider && firstModel ? { first: describe({ provider: firstProvider, model: firstModel }) } : {}),
      // Steps the router would skip (a provider that is not set up, a malformed entry) are not shown as if they ran.
      steps: (configured.length > 0 ? configured : this.registry.workspaceFallback()).filter((step) => typeof step.model === 'string' && step.model !== '' && this.registry.get(step.provider) !== undefined).map(describe),
      source: configured.length > 0 || this.registry.workspaceFallback().length === 0 ? 'settings' : 'workspace',
    };
  }

  #spend(days: number): PanelSpend {
    const data = this.cost.spendData(days);
    const ids = new Set(data.days.flatMap((day) => Object.keys(day.byProvider)));
    const empty = { usd: 0, requests: 0, inputTokens: 0, outputTokens: 0 };
    return {
      days: data.days,
      providers: [...ids].map((providerId) => ({ id: providerId, name: this.registry.get(providerId)?.name ?? providerId })),
      models: data.models.map(({ model, totals }) => ({ model, usd: totals.usd, requests: totals.requests, inputTokens: totals.inputTokens, outputTokens: totals.outputTokens, unpriced: totals.unpricedRequests })),
      totals: data.totals ? { usd: data.totals.usd, requests: data.totals.requests, inputTokens: data.totals.inputTokens, outputTokens: data.totals.outputTokens } : empty,
      todayUsd: data.todayUsd,
      monthUsd: data.monthUsd,
      projectedMonthUsd: data.projectedMonthUsd,
      budgets: data.budgets.map((item) => ({ budget: item.budget, label: item.label, spentUsd: item.spentUsd, fraction: item.fraction })),
    };
  }

  /** One state message for a burst of registry changes. */
  #scheduleState(): void {
    if (this.#statePending || !this.#ready) return;
    this.#statePending = true;
    queueMicrotask(() => {
      this.#statePending = false;
      void this.state().then((state) => this.#send({ type: 'state', state }));
    });
  }

  async #report(templateId: string, report: DoctorReport, chosen: ProviderEntry['models'] = []): Promise<PanelReport> {
    return {
      ok: report.ok,
      stages: report.stages.map((stage) => ({ stage: stage.stage, status: stage.status, message: stage.message, ...(stage.ms !== undefined ? { ms: stage.ms } : {}), ...(stage.code ? { code: stage.code } : {}) })),
      ...(report.suggestedBaseUrl ? { suggestedBaseUrl: report.suggestedBaseUrl } : {}),
      // The doctor lists what the server says; the catalog fills in windows and capabilities.
      ...(report.models ? { models: await this.#rows(templateId, await withCatalog(report.models, findTemplate(templateId)?.catalogIds ?? []), chosen) } : {}),
    };
  }

  /** Model rows with limits and prices, as the pickers show them. */
  async #rows(templateId: string, models: ModelInfo[], chosen: ProviderEntry['models']): Promise<ModelRow[]> {
    const template = findTemplate(templateId);
    return Promise.all(
      // A listed id that could not be chosen (a control character, say) is not shown.
      models.filter((model) => isValidModelId(model.id)).slice(0, 500).map(async (model): Promise<ModelRow> => {
        const quote = await priceOf({ catalogIds: template?.catalogIds ?? [], local: template?.local, overrides: chosen.find((item) => item.id === model.id)?.prices }, model.id);
        return {
          id: model.id,
          ...(model.name ? { name: model.name } : {}),
          ...(model.contextWindow ? { contextWindow: model.contextWindow } : {}),
          ...(model.maxOutputTokens ? { maxOutputTokens: model.maxOutputTokens } : {}),
          ...(quote.prices ? { prices: { input: quote.prices.input, output: quote.prices.output, ...(quote.prices.cachedInput !== undefined ? { cachedInput: quote.prices.cachedInput } : {}) } } : {}),
          priceSource: quote.source,
          capabilities: (['tools', 'vision', 'reasoning'] as const).filter((capability) => model.capabilities?.[capability]),
          ...(this.#sources(model, chosen.find((item) => item.id === model.id))),
        };
      }),
    );
  }

  /** The user's override wins over what the provider or catalog said, and is labelled as theirs. */
  #sources(model: ModelInfo, chosen: { contextWindow?: number; maxOutputTokens?: number } | undefined): Pick<ModelRow, 'sources' | 'contextWindow' | 'maxOutputTokens'> {
    const contextWindow = chosen?.contextWindow ?? model.contextWindow;
    const maxOutputTokens = chosen?.maxOutputTokens ?? model.maxOutputTokens;
    const sources: NonNullable<ModelRow['sources']> = {};
    if (contextWindow !== undefined) sources.contextWindow = chosen?.contextWindow !== undefined ? 'user' : (model.sources?.contextWindow ?? 'provider');
    if (maxOutputTokens !== undefined) sources.maxOutputTokens = chosen?.maxOutputTokens !== undefined ? 'user' : (model.sources?.maxOutputTokens ?? 'provider');
    return { ...(contextWindow !== undefined ? { contextWindow } : {}), ...(maxOutputTokens !== undefined ? { maxOutputTokens } : {}), sources };
  }

  dispose(): void {
    this.#disposed = true;
    this.#abortRunning();
    this.#subscription.dispose();
  }
}
