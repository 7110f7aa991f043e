import * as z from '../zod';
import type { ChatEvent, Usage } from '../types';

// Every usage number an adapter reads from the wire passes through here before pricing and the
// ledger see it. A provider, or a proxy in front of it, may send negative, fractional, non-finite
// (`1e999` parses to Infinity), astronomically large or quoted counts; none of them is a count.

/**
 * A token count: a non-negative safe integer. zod's `int()` also refuses NaN, ±Infinity and
 * anything past 2^53, where sums in the ledger stop being exact. A numeric string is refused too:
 * whatever rewrote the number as text may have rewritten more.
 */
export const tokenCount = z.int().check(z.nonnegative());

/** A count the provider may leave out (null or missing) but, when it sends one, must be a count. */
export const optionalCount = z.nullish(tokenCount);

/** A reported cost in US dollars: finite (zod's `number()` refuses ±Infinity and NaN) and not negative. */
const costUsd = z.number().check(z.nonnegative());

const usageSchema = z.object({
  inputTokens: tokenCount,
  outputTokens: tokenCount,
  cachedInputTokens: z.optional(tokenCount),
  cacheWriteInputTokens: z.optional(tokenCount),
  reasoningTokens: z.optional(tokenCount),
});

/**
 * The provider's usage object read against the adapter's schema of counts (built from
 * `optionalCount`), or undefined when there is none or any count in it is unusable: one wrong
 * number makes the whole report untrustworthy, and no report is priced from counted tokens.
 * Never throws: the answer itself is fine.
 */
export function wireUsage<T>(schema: z.ZodMiniType<T>, raw: unknown): T | undefined {
  if (raw == null) return undefined;
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/** The cost a provider reported (OpenRouter's `cost`), or undefined when it sent none or an unusable one. */
export function reportedCost(raw: unknown): number | undefined {
  const parsed = costUsd.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The usage event, if the report is usable: the contract's totals checked once more after the
 * adapter's arithmetic (sums of valid counts can pass 2^53), and sub-counts that exceed their total
 * dropped. A sub-count larger than its total contradicts the report and there is no telling which
 * number is wrong; the total is what is billed, so it is kept. Dropping (not clamping) a cached
 * count prices the whole prompt at the uncached rate, erring high rather than pricing all of it as
 * cheap cache reads; a dropped reasoning count changes no price (reasoning is part of the output).
 */
export function usageEvents(usage: Usage | undefined): ChatEvent[] {
  if (!usage) return [];
  const parsed = usageSchema.safeParse(usage);
  if (!parsed.success) return [];
  const { inputTokens, outputTokens, cachedInputTokens, cacheWriteInputTokens, reasoningTokens } = parsed.data;
  const checked: Usage = { inputTokens, outputTokens };
  if (cachedInputTokens !== undefined && cachedInputTokens <= inputTokens)
    checked.cachedInputTokens = cachedInputTokens;
  if (cacheWriteInputTokens !== undefined && cacheWriteInputTokens <= inputTokens)
    checked.cacheWriteInputTokens = cacheWriteInputTokens;
  if (reasoningTokens !== undefined && reasoningTokens <= outputTokens) checked.reasoningTokens = reasoningTokens;
  const cost = reportedCost(usage.costUsd);
  if (cost !== undefined) checked.costUsd = cost;
  return [{ type: 'usage', usage: checked }];
}
