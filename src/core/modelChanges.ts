import { formatPerMillion } from './cost/money';

/**
 * What changed in a provider's models since the user last looked: models that are new, models that
 * are gone, and prices that changed (old → new). The host keeps one snapshot per provider (each
 * model's price as shown, by model id) and the marks not yet seen; the comparison and how marks
 * add up live here, in one place.
 */

/** A price as shown (US dollars per million tokens). */
export interface PricePoint {
  input: number;
  output: number;
  /** The user's own price: their edit is no news to them, so a change to or from it is not reported. */
  own?: boolean;
}

/** One provider's models as last seen: each model's price, or null where none is known. */
export type ModelSnapshot = Record<string, PricePoint | null>;

export type ModelChange =
  | { kind: 'new' }
  | { kind: 'gone'; was: PricePoint | null }
  | { kind: 'price'; from: PricePoint | null; to: PricePoint | null };

const samePrice = (a: PricePoint | null | undefined, b: PricePoint | null | undefined) =>
  (a ?? null) === null || (b ?? null) === null
    ? (a ?? null) === (b ?? null)
    : a!.input === b!.input && a!.output === b!.output;

/**
 * The changes from one snapshot of a provider's models to the next, by model id. A provider seen for
 * the first time (no snapshot before) has no changes: every model would otherwise be "new".
 */
export function compareSnapshots(before: ModelSnapshot | undefined, after: ModelSnapshot): Map<string, ModelChange> {
  const changes = new Map<string, ModelChange>();
  if (!before) return changes;
  for (const [id, price] of Object.entries(after)) {
    if (!Object.hasOwn(before, id)) changes.set(id, { kind: 'new' });
    else if (!before[id]?.own && !price?.own && !samePrice(before[id], price))
      changes.set(id, { kind: 'price', from: before[id] ?? null, to: price });
  }
  for (const [id, price] of Object.entries(before))
    if (!Object.hasOwn(after, id)) changes.set(id, { kind: 'gone', was: price ?? null });
  return changes;
}

/**
 * A mark not yet seen, with a change that came after it: what the user should be told now. A model
 * that came and went (or went and came back) unseen has nothing to show; a new model stays new
 * whatever its price did; two price changes are one, from the first price to the last (none when it
 * is back where it was).
 */
export function combineChanges(earlier: ModelChange | undefined, later: ModelChange): ModelChange | undefined {
  if (!earlier) return later;
  if (earlier.kind === 'new') return later.kind === 'gone' ? undefined : earlier;
  if (earlier.kind === 'gone') return later.kind === 'new' ? undefined : later;
  if (later.kind === 'price') return samePrice(earlier.from, later.to) ? undefined : { ...later, from: earlier.from };
  return later.kind === 'gone' ? later : earlier;
}

const priceText = (price: PricePoint | null) =>
  price === null ? 'unknown' : `${formatPerMillion(price.input)} / ${formatPerMillion(price.output)}`;

/**
 * The change in words: "new", "gone", "price changed $2.50 → $3.00 in" (the prices that changed,
 * per million tokens), "price changed unknown → $2.50 / $10".
 */
export function changeText(change: ModelChange): string {
  if (change.kind === 'new') return 'new';
  if (change.kind === 'gone') return 'gone';
  const { from, to } = change;
  if (from === null || to === null) return `price changed ${priceText(from)} → ${priceText(to)}`;
  const parts: string[] = [];
  if (from.input !== to.input) parts.push(`${formatPerMillion(from.input)} → ${formatPerMillion(to.input)} in`);
  if (from.output !== to.output) parts.push(`${formatPerMillion(from.output)} → ${formatPerMillion(to.output)} out`);
  return `price changed ${parts.join(', ')}`;
}
