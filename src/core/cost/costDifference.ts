import type { UsageRecord } from './ledgerTotals';
import { formatUsd } from './money';
import type { PriceQuote } from './pricing';

/** The size of a request the way this user asks: what a change of model is priced on. */
export interface TypicalRequest {
  inputTokens: number;
  outputTokens: number;
  /** `history`: the median of the user's own recent answered requests; `assumed`: too few of those yet. */
  from: 'history' | 'assumed';
  /** How many recorded requests the median is of (0 when assumed). */
  requests: number;
}

/** Said when there is no history: a short question with some code in it, and an answer of a few paragraphs. */
export const ASSUMED_REQUEST = { inputTokens: 2_000, outputTokens: 500 } as const;
/** The most recent answered requests a typical size is taken from. */
export const TYPICAL_SAMPLE = 50;
/** Fewer answered requests than this say little about the user: the assumed size is used. */
export const MIN_HISTORY = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return Math.round(sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2);
}

/**
 * The user's typical request from their recent ones (newest last): the median input and output of
 * the last answered requests, connection tests left out (one-token checks are not how anyone asks).
 * The median, not the mean: one long file pasted once does not make every answer look pricier.
 */
export function typicalRequest(records: readonly Pick<UsageRecord, 'usage' | 'outcome' | 'surface'>[]): TypicalRequest {
  const answered = records
    .filter((record) => record.outcome === 'ok' && record.surface !== 'connection-test' && record.usage.inputTokens > 0)
    .slice(-TYPICAL_SAMPLE);
  if (answered.length < MIN_HISTORY) return { ...ASSUMED_REQUEST, from: 'assumed', requests: 0 };
  return {
    inputTokens: median(answered.map((record) => record.usage.inputTokens)),
    outputTokens: median(answered.map((record) => record.usage.outputTokens)),
    from: 'history',
    requests: answered.length,
  };
}

/** "from your last 20 requests (typically 1,200 tokens in, 300 out)", or the assumed size, said as assumed. */
export function describeTypical(typical: TypicalRequest): string {
  const size = `${typical.inputTokens.toLocaleString('en-US')} tokens in, ${typical.outputTokens.toLocaleString('en-US')} out`;
  return typical.from === 'history'
    ? `from your last ${typical.requests} requests (typically ${size})`
    : `for a request of ${size} (assumed: fewer than ${MIN_HISTORY} requests recorded yet)`;
}

/**
 * What a typical request costs on a model, from its price (its facts' `price`, the same quote every
 * surface shows): free for a local model, undefined when nobody knows the price. A tiered price is
 * its first tier: a typical request is far below where long-context prices start.
 */
export function costPerRequest(price: PriceQuote, typical: Pick<TypicalRequest, 'inputTokens' | 'outputTokens'>) {
  if (price.source === 'local') return 0;
  if (!price.prices) return undefined;
  return (
    (typical.inputTokens * price.prices.input + typical.outputTokens * price.prices.output) / 1e6 +
    (price.prices.perRequest ?? 0)
  );
}

/** One side of a change of model: how the user knows it, and its price. */
export interface PricedModel {
  /** "gpt-4o-mini", or "OpenAI gpt-4o-mini" where two providers serve the same id. */
  name: string;
  price: PriceQuote;
}

export interface CostChange {
  typical: TypicalRequest;
  fromUsd: number | undefined;
  toUsd: number | undefined;
  /** What the new model costs more (negative: less) per typical request; undefined without both prices. */
  differenceUsd: number | undefined;
  /** The new model's cost as a multiple of the old one's: Infinity from a free model to a paid one. */
  ratio: number | undefined;
  /** The change multiplies the cost beyond the ratio the user set: ask before making it. */
  beyondRatio: boolean;
  /** "about $0.05 more per answer than gpt-4o-mini". */
  text: string;
}

/** Below this a difference is nothing anyone pays: "about the same". */
const SAME_USD = 0.000_000_5;

/**
 * What changing from one model to another does to the cost of a typical request, in words, and
 * whether it multiplies the cost beyond `maxRatio` (the fallback cost ratio: the same line a silent
 * switch to a fallback model may not cross). A price nobody knows is never taken to cross it.
 */
export function costChange(from: PricedModel, to: PricedModel, typical: TypicalRequest, maxRatio: number): CostChange {
  const fromUsd = costPerRequest(from.price, typical);
  const toUsd = costPerRequest(to.price, typical);
  const known = fromUsd !== undefined && toUsd !== undefined;
  const differenceUsd = known ? toUsd - fromUsd : undefined;
  const ratio = !known ? undefined : fromUsd > 0 ? toUsd / fromUsd : toUsd > 0 ? Infinity : 1;
  const estimated = (side: PricedModel) =>
    side.price.source === 'estimated'
      ? ` (its price estimated from ${side.price.estimatedFrom ?? 'a similar model'})`
      : '';
  let text: string;
  if (toUsd === undefined) text = 'price unknown, so the difference per answer cannot be told';
  else if (fromUsd === undefined)
    text = `about ${formatUsd(toUsd)} per answer${estimated(to)}; the price of ${from.name} is unknown`;
  else if (Math.abs(differenceUsd!) < SAME_USD)
    text = `about the same per answer as ${from.name} (${formatUsd(toUsd)})`;
  else if (fromUsd === 0) text = `about ${formatUsd(toUsd)} per answer${estimated(to)}, where ${from.name} is free`;
  else {
    const multiple = ratio! >= 1.5 ? `, ${ratio! >= 10 ? Math.round(ratio!) : ratio!.toFixed(1)}×` : '';
    text = `about ${formatUsd(Math.abs(differenceUsd!))} ${differenceUsd! > 0 ? 'more' : 'less'} per answer than ${from.name} (${formatUsd(toUsd)} instead of ${formatUsd(fromUsd)}${multiple})${estimated(to)}`;
  }
  return {
    typical,
    fromUsd,
    toUsd,
    differenceUsd,
    ratio,
    beyondRatio: ratio !== undefined && ratio > maxRatio,
    text,
  };
}
