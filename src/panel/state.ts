import { findTemplate, PROVIDER_TEMPLATES, type ProviderHealth } from '../core';
import type { PanelFallbackStep, PanelState, ProviderCard } from '../shared/protocol';
import type { PanelServices } from './handler';

/** What the panel shows: every provider as a card (keys as masks only) and the templates for the wizard. */
export async function panelState(
  { registry, routing, settings, cost }: PanelServices,
  version: string,
): Promise<PanelState> {
  const defaultProvider = registry.defaultProvider();
  const providers = await Promise.all(
    registry.list().map(async (entry): Promise<ProviderCard> => {
      const template = findTemplate(entry.template ?? '');
      const keyState = await registry.keyState(entry.id);
      const key: ProviderCard['key'] =
        keyState.hasKey && keyState.origin !== new URL(entry.baseUrl).origin
          ? { state: 'other-origin' }
          : keyState.hasKey
            ? { state: 'set', ...(keyState.mask ? { mask: keyState.mask } : {}) }
            : { state: template && template.key !== 'required' ? 'not-needed' : 'none' };
      const gateway = cost.gateways.lines(entry.id);
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
        ...cardHealth(entry.enabled ? routing.health(entry.id) : undefined),
        ...(gateway.length > 0 ? { gateway } : {}),
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
    ...(template.apiVersion ? { apiVersion: template.apiVersion } : {}),
  }));
  return { version, providers, templates, fallback: fallback({ registry, routing, settings }) };
}

/** What the card shows of the background checks. */
function cardHealth(health: ProviderHealth | undefined): Pick<ProviderCard, 'health'> {
  if (!health) return {};
  return {
    health: {
      state: health.state,
      ...(health.lastMs !== undefined ? { lastMs: health.lastMs } : {}),
      ...(health.checkedAt !== undefined ? { checkedAt: health.checkedAt } : {}),
      ...(health.error !== undefined ? { error: health.error } : {}),
    },
  };
}

/** The chain as it will run: the default first, then each step with its circuit's state. */
function fallback({
  registry,
  routing,
  settings,
}: Pick<PanelServices, 'registry' | 'routing' | 'settings'>): PanelState['fallback'] {
  const circuits = new Map(routing.circuits.snapshot().map((circuit) => [circuit.key, circuit]));
  const describe = (step: { provider: string; model: string }): PanelFallbackStep => {
    const circuit = circuits.get(`${step.provider}/${step.model}`);
    return {
      provider: step.provider,
      model: step.model,
      providerName: registry.get(step.provider)?.name ?? step.provider,
      circuit: circuit?.state ?? 'closed',
      failures: circuit?.consecutiveFailures ?? 0,
      ...(circuit?.retryAt !== undefined ? { retryAt: circuit.retryAt } : {}),
    };
  };
  // The chain as routing reads it: a malformed chain is no chain, so the panel never shows steps that will not run.
  const configured = settings.current.fallback.chain;
  const firstProvider = registry.defaultProvider();
  const firstModel = registry.defaultModel();
  return {
    ...(firstProvider && firstModel ? { first: describe({ provider: firstProvider, model: firstModel }) } : {}),
    // Steps the router would skip for a provider that is not set up are not shown as if they ran.
    steps: (configured.length > 0 ? configured : registry.workspaceFallback())
      .filter((step) => registry.get(step.provider) !== undefined)
      .map(describe),
    source: configured.length > 0 || registry.workspaceFallback().length === 0 ? 'settings' : 'workspace',
    options: {
      automatic: settings.current.fallback.automatic,
      askBeforeSwitchingProviders: settings.current.fallback.askBeforeSwitchingProviders,
      maxCostRatio: settings.current.fallback.maxCostRatio,
    },
  };
}
