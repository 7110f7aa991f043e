import type { Logger, Registry, StageResult } from '../core';
import type { Dialogs } from '../platform/dialogs';
import type { Settings } from '../platform/settings';
import type { CostService, ModelChanges, PriceData, RoutingService } from '../services';
import type { Params, RequestName, Result } from '../shared/protocol';
import type { DraftTests } from './draftTests';

/** What the panel reaches the rest of the extension through. */
export interface PanelServices {
  readonly registry: Registry;
  readonly cost: CostService;
  /** The price data in use: its date labels the catalog's values. */
  readonly prices: PriceData;
  /** What changed in each provider's models since the user last looked. */
  readonly changes: ModelChanges;
  readonly routing: RoutingService;
  /** The one reader (and writer) of `switchboard.*`. */
  readonly settings: Settings;
  /** The extension's questions to the user (tests answer them). */
  readonly dialogs: Dialogs;
  readonly log: Logger;
}

/** One request's world: the services, its cancellation (the panel closing), its stage stream, and this panel's draft tests. */
export interface RequestContext extends PanelServices {
  readonly drafts: DraftTests;
  /** This panel (one opening of it): what changed since the last look is marked in one view only. */
  readonly viewId: string;
  readonly signal: AbortSignal;
  readonly onStage: (stage: StageResult) => void;
}

/** Answers one request; what it throws goes back to the panel as one sentence. */
export type Handler<N extends RequestName> = (params: Params<N>, context: RequestContext) => Promise<Result<N>>;
export type Handlers<N extends RequestName> = { readonly [K in N]: Handler<K> };

/** A provider as the registry lists it, with where it is declared. */
export type ListedProvider = NonNullable<ReturnType<Registry['get']>>;

/** The provider a request names, or the sentence the panel shows when it has gone meanwhile. */
export function providerEntry(registry: Registry, providerId: string): ListedProvider {
  const entry = registry.get(providerId);
  if (!entry) throw new Error(`No provider "${providerId}": it was removed.`);
  return entry;
}

/** A declared provider is changed where it is declared. */
export function writable(entry: ListedProvider, refusal: string): ListedProvider {
  if (entry.readOnly) throw new Error(`${entry.name} comes from ${entry.source}${refusal}`);
  return entry;
}
