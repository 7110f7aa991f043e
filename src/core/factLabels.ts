import { CATALOG_SOURCES } from './catalog';
import type { PriceSource } from './cost/pricing';
import type { FactSource } from './modelFacts';

/**
 * Where each shown fact about a model came from, and of when, in a few words: "listed by OpenRouter,
 * 2026-12-05" (the provider's own model list, and the day it was read), "catalog, 2026-09-23" (the
 * price data in use, or the release of the catalog that gave the value), "yours", "assumed". One
 * wording for every surface: the panel's tables and the pickers.
 */
export interface FactDates {
  /** The provider's name, as the user named it. */
  providerName: string;
  /** When the provider's list was last read (ms since the epoch), if it was. */
  listedAt?: number;
  /** The date of the price data in use (`PriceCatalog.state.date`): catalog prices and context windows come from it. */
  priceDataDate: string;
}

/** Which fact: prices and context windows come from the price data; output limits from models.dev's release. */
export type LabelledFact = 'price' | 'contextWindow' | 'maxOutputTokens';

/** "2026-12-05": a day in the user's time zone. */
export function localDate(at: number): string {
  const date = new Date(at);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The label for one fact's source, or undefined where there is nothing to say (a local model's price); `estimatedFrom` names the model an estimated price is taken from. */
export function factLabel(
  fact: LabelledFact,
  source: FactSource | PriceSource,
  dates: FactDates,
  estimatedFrom?: string,
): string | undefined {
  switch (source) {
    case 'user':
      return 'yours';
    case 'provider':
      return `listed by ${dates.providerName}${dates.listedAt === undefined ? '' : `, ${localDate(dates.listedAt)}`}`;
    case 'catalog':
      return `catalog, ${fact === 'maxOutputTokens' ? CATALOG_SOURCES[1].published : dates.priceDataDate}`;
    case 'default':
      return 'assumed';
    case 'estimated':
      return `estimated from ${estimatedFrom ?? 'a similar model'}`;
    case 'unknown':
      return 'nobody lists it';
    case 'local':
      return undefined;
  }
}

/** "4,096 of 131,072 (loaded)": a local model running with less context than it takes, else "131,072". */
export function contextWindowText(contextWindow: number, maxContextWindow?: number, loaded?: boolean): string {
  const number = (value: number) => value.toLocaleString('en-US');
  if (maxContextWindow === undefined || maxContextWindow <= contextWindow) return number(contextWindow);
  return `${number(contextWindow)} of ${number(maxContextWindow)}${loaded ? ' (loaded)' : ''}`;
}
