import * as z from '../zod';
import type { EnforcedBudget } from '../cost/budgets';
import { formatUsd } from '../cost/money';
import { modelId, providerId } from './schema';

// A team's policy for a provider, committed in `.vscode/switchboard.json` (trusted workspaces only,
// never a key): the models it allows, a team budget, and OpenRouter's data policy. Each is a ceiling:
// the user's own budgets still apply (the stricter wins), a model outside the list needs the user's
// word once per workspace, and a data policy can be tightened locally, never loosened.

/** OpenRouter's provider preferences for data: no provider that collects prompts, only zero-retention endpoints. */
export const dataPolicy = z.strictObject({
  denyDataCollection: z.optional(z.boolean()),
  zeroDataRetention: z.optional(z.boolean()),
});
export type DataPolicy = z.infer<typeof dataPolicy>;

export const providerPolicy = z.strictObject({
  allowedModels: z.optional(z.array(modelId).check(z.minLength(1), z.maxLength(1000))),
  budget: z.optional(
    z.strictObject({
      limitUsd: z.number().check(z.positive(), z.lte(1_000_000)),
      period: z.enum(['daily', 'monthly']),
      mode: z._default(z.enum(['ask', 'stop']), 'stop'),
    }),
  ),
  dataPolicy: z.optional(dataPolicy),
});
export type ProviderPolicy = z.output<typeof providerPolicy>;

/** The `policy` section of the workspace file: by provider id. */
export const teamPolicy = z.record(providerId, providerPolicy);
export type TeamPolicy = z.output<typeof teamPolicy>;

/** Whether the team allows this model (no list: every model). */
export function policyAllows(policy: TeamPolicy, provider: string, model: string): boolean {
  const allowed = policy[provider]?.allowedModels;
  return allowed === undefined || allowed.includes(model);
}

/** The ids of the team budgets (one per provider with a budget in the workspace file). */
export const TEAM_BUDGET_PREFIX = 'team:';

/** The team budgets, for the guard beside the user's own: every one applies, so the stricter wins. */
export function teamBudgets(policy: TeamPolicy, names: (provider: string) => string): EnforcedBudget[] {
  return Object.entries(policy).flatMap(([provider, rules]) =>
    rules.budget
      ? [
          {
            id: `${TEAM_BUDGET_PREFIX}${provider}`,
            scope: { kind: 'provider' as const, providerId: provider },
            period: rules.budget.period,
            limitUsd: rules.budget.limitUsd,
            alertAt: 0.8,
            mode: rules.budget.mode,
            label: `team's ${rules.budget.period} ${names(provider)} budget of ${formatUsd(rules.budget.limitUsd)} (.vscode/switchboard.json)`,
          },
        ]
      : [],
  );
}

/** The team's data policy with the user's on top: a user may add a restriction, never lift one. */
export function effectiveDataPolicy(team: DataPolicy | undefined, user: DataPolicy | undefined): DataPolicy {
  return {
    denyDataCollection: team?.denyDataCollection === true || user?.denyDataCollection === true,
    zeroDataRetention: team?.zeroDataRetention === true || user?.zeroDataRetention === true,
  };
}

/**
 * The data policy as OpenRouter's request body says it (provider routing preferences:
 * `provider.data_collection` and `provider.zdr`), merged into any `provider` object already there.
 */
export function withDataPolicy(body: Record<string, unknown>, policy: DataPolicy): Record<string, unknown> {
  if (!policy.denyDataCollection && !policy.zeroDataRetention) return body;
  const current = body.provider;
  const preferences =
    typeof current === 'object' && current !== null && !Array.isArray(current)
      ? { ...(current as Record<string, unknown>) }
      : {};
  if (policy.denyDataCollection) preferences.data_collection = 'deny';
  if (policy.zeroDataRetention) preferences.zdr = true;
  return { ...body, provider: preferences };
}
