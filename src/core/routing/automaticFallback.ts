import type { RouteTarget } from './router';

/** Another provider's default model, as a possible automatic fallback. */
export interface AutomaticCandidate {
  target: RouteTarget;
  enabled: boolean;
  /** It has a key for its current address, or needs none. */
  keyReady: boolean;
}

export type AutomaticExclusion =
  'disabled' | 'no-key' | 'in-chain' | 'no-tools' | 'context-too-small' | 'too-expensive' | 'paid-after-free';

export const EXCLUSION_WORDS: Record<AutomaticExclusion, string> = {
  disabled: 'disabled',
  'no-key': 'no key set',
  'in-chain': 'already tried',
  'no-tools': 'does not take tools',
  'context-too-small': 'context window too small for this prompt',
  'too-expensive': 'over the cost ratio',
  'paid-after-free': 'a paid model, after a free or unpriced one',
};

export interface AutomaticNeeds {
  tools: boolean;
  promptTokens?: number;
  /** `switchboard.fallback.maxCostRatio`. */
  maxCostRatio: number;
}

const blended = (target: RouteTarget) => {
  const { input, output } = target.prices ?? {};
  return input === undefined || output === undefined ? undefined : input + output;
};

/**
 * With no fallback chain set up: the models to try after `chain` fails, picked from the other
 * enabled providers' default models that can take the request (tools, context window) and cost at
 * most `maxCostRatio` times the first model (the router's own price guard, so none needs asking):
 * cheapest first, models of unknown price last. Each one left out says why.
 */
export function automaticFallback(
  chain: readonly RouteTarget[],
  candidates: readonly AutomaticCandidate[],
  needs: AutomaticNeeds,
): { targets: RouteTarget[]; excluded: Array<{ target: RouteTarget; why: AutomaticExclusion }> } {
  const primary = chain[0];
  const primaryPrice = primary ? blended(primary) : undefined;
  const taken = new Set(chain.map((target) => target.providerId));
  const excluded: Array<{ target: RouteTarget; why: AutomaticExclusion }> = [];
  const kept: RouteTarget[] = [];
  for (const { target, enabled, keyReady } of candidates) {
    const price = blended(target);
    const why: AutomaticExclusion | undefined = !enabled
      ? 'disabled'
      : !keyReady
        ? 'no-key'
        : taken.has(target.providerId)
          ? 'in-chain'
          : needs.tools && target.tools === false
            ? 'no-tools'
            : needs.promptTokens !== undefined &&
                target.contextWindow !== undefined &&
                needs.promptTokens >= target.contextWindow
              ? 'context-too-small'
              : price === undefined || price === 0
                ? undefined
                : primaryPrice === undefined || primaryPrice === 0
                  ? 'paid-after-free'
                  : price / primaryPrice > needs.maxCostRatio
                    ? 'too-expensive'
                    : undefined;
    if (why) excluded.push({ target, why });
    else {
      taken.add(target.providerId);
      kept.push({ ...target, automatic: true });
    }
  }
  const order = (target: RouteTarget) => blended(target) ?? Number.POSITIVE_INFINITY;
  kept.sort(
    (a, b) => order(a) - order(b) || a.providerName.localeCompare(b.providerName) || a.model.localeCompare(b.model),
  );
  return { targets: kept, excluded };
}
