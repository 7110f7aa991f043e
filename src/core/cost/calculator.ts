import type * as genaiPrices from '@pydantic/genai-prices';

/** The price calculator, @pydantic/genai-prices (loaded when first needed: it holds ~470 KB of data). */
export type GenaiPrices = typeof genaiPrices;

/** Work to finish before the calculator's first answer: reading a cached download (see PriceCatalog). */
let pending: (() => Promise<void>) | undefined;
let firstPriceLoaded: Promise<void> | undefined;

/** Registers `load` to run, once, before the next price is worked out. */
export function beforeFirstPrice(load: () => Promise<void>): void {
  pending = load;
  firstPriceLoaded = undefined;
}

/**
 * genai-prices, with any cached download in place: every price lookup goes through here, so the
 * first one after startup already uses the day's prices, while nothing is loaded at activation.
 */
export async function priceCalculator(): Promise<GenaiPrices> {
  const library = await import('@pydantic/genai-prices');
  if (pending) {
    const load = pending;
    pending = undefined;
    firstPriceLoaded = load().catch(() => undefined);
  }
  await firstPriceLoaded;
  return library;
}
