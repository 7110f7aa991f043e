import * as z from '../core/zod';
import { BUDGET_ID_MAX, CONTROL_CHARACTER_MESSAGE, hasControlCharacter } from '../core/registry/ids';
import { count, done, modelId, providerId, text, usd } from './protocolFields';

/** A budget's id, the same when it is saved and when it is removed (and as long as the core allows). */
const budgetId = text(BUDGET_ID_MAX).check(z.refine((id) => !hasControlCharacter(id), CONTROL_CHARACTER_MESSAGE));

/** A budget as `switchboard.budgets` holds it (the host checks it again with the core's schema). */
const budget = z.strictObject({
  id: budgetId,
  scope: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('overall') }),
    z.strictObject({ kind: z.literal('provider'), providerId }),
    z.strictObject({ kind: z.literal('model'), providerId, modelId }),
  ]),
  period: z.enum(['daily', 'monthly']),
  limitUsd: z.number().check(z.positive(), z.lte(1_000_000)),
  alertAt: z.number().check(z.gt(0), z.lte(1)),
  mode: z.enum(['warn', 'ask', 'stop', 'switch']),
});
export type PanelBudget = z.infer<typeof budget>;

/** A budget as shown: any the core accepts from settings (hand-written ones included). */
const shownBudget = z.extend(budget, {
  id: z.string().check(z.minLength(1)),
  scope: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('overall') }),
    z.strictObject({ kind: z.literal('provider'), providerId: z.string().check(z.minLength(1)) }),
    z.strictObject({
      kind: z.literal('model'),
      providerId: z.string().check(z.minLength(1)),
      modelId: z.string().check(z.minLength(1)),
    }),
  ]),
  limitUsd: z.number().check(z.positive()),
});

/** The most tokens a cap may name (the core's MAX_TOKEN_CAP). */
const capTokens = z.optional(z.int().check(z.positive(), z.lte(100_000_000)));
/** A provider's per-request token caps as `switchboard.tokenCaps` holds them (the host checks them again with the core's schema). */
const tokenCap = z.strictObject({ providerId, softTokens: capTokens, hardTokens: capTokens });
export type PanelTokenCap = z.infer<typeof tokenCap>;
/** Token caps as shown: any the core accepts from settings (hand-written provider ids included). */
const shownTokenCap = z.extend(tokenCap, { providerId: z.string().check(z.minLength(1)) });

const spend = z.strictObject({
  /** Oldest first, every day of the range (zero days included), US dollars by provider id. */
  days: z.array(z.strictObject({ date: z.string(), byProvider: z.record(z.string(), usd) })),
  providers: z.array(z.strictObject({ id: z.string(), name: z.string() })),
  models: z.array(
    z.strictObject({
      model: z.string(),
      usd,
      /** Answered requests; failed attempts (a 429 before a fallback answered) are apart, in `failed`. */
      requests: count,
      failed: count,
      inputTokens: count,
      outputTokens: count,
      unpriced: count,
      /** The provider's bill beside the list price, when they differ by more than 1 % ("$0.0123 billed (reported by OpenRouter) · …"). */
      billed: z.optional(z.string()),
    }),
  ),
  totals: z.strictObject({ usd, requests: count, failed: count, inputTokens: count, outputTokens: count }),
  /**
   * Who spent it over the range: VS Code's chat and other extensions (vscode.lm), @switchboard,
   * tests, and what was recorded before the ledger kept the surface; attempts include failed ones.
   */
  surfaces: z.array(z.strictObject({ name: z.string(), usd, attempts: count })),
  todayUsd: usd,
  monthUsd: usd,
  projectedMonthUsd: usd,
  budgets: z.array(
    z.strictObject({
      budget: shownBudget,
      label: z.string(),
      spentUsd: usd,
      fraction: z.number().check(z.nonnegative()),
    }),
  ),
  /** Each team gateway's figures (and the team's policy), by provider. */
  gateways: z.optional(
    z.array(
      z.strictObject({
        providerId,
        name: z.string(),
        lines: z.array(z.string().check(z.maxLength(2000))),
        /** A LiteLLM proxy: its spend log can be set beside this machine's records. */
        keepsSpendLog: z.boolean(),
      }),
    ),
  ),
});
export type PanelSpend = z.infer<typeof spend>;

/** The usage and budgets sections: spend and each budget's use, budgets, token caps, exports and a team gateway's figures. */
export const spendRequests = {
  /** Spend by day and provider, by model, and each budget's use, over the last `days` days. */
  spend: { params: z.strictObject({ days: z.int().check(z.gte(1), z.lte(62)) }), result: spend },
  saveBudget: { params: z.strictObject({ budget }), result: done },
  removeBudget: { params: z.strictObject({ budgetId }), result: done },
  /** Each provider's per-request token caps (a warning in chat, a hard limit on every request). */
  tokenCaps: { params: z.strictObject({}), result: z.array(shownTokenCap) },
  saveTokenCap: { params: z.strictObject({ cap: tokenCap }), result: done },
  removeTokenCap: { params: z.strictObject({ providerId: text(512) }), result: done },
  exportUsage: { params: z.strictObject({ format: z.enum(['csv', 'json']) }), result: done },
  /** "Compare Spend with Team Gateway" for one gateway: the period is asked, the report opens in an editor. */
  compareGatewaySpend: { params: z.strictObject({ providerId }), result: done },
} as const;
