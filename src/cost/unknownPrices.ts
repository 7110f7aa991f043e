import type * as vscode from 'vscode';
import * as z from '../core/zod';
import {
  isLocalProvider,
  formatPerMillion,
  priceOf,
  type Logger,
  type ModelPrices,
  type PricingContext,
  type Registry,
  type UnknownPriceQuestion,
} from '../core';
import type { Dialogs } from '../platform/dialogs';

/** The models the user let through budgets without a known price ("Allow This Model"), by provider and model. */
export const ALLOWED_KEY = 'switchboard.unknownPriceAllowed';
const allowedSchema = z.object({
  version: z.literal(1),
  models: z.array(
    z.strictObject({
      providerId: z.string().check(z.minLength(1)),
      modelId: z.string().check(z.minLength(1)),
      at: z.number(),
    }),
  ),
});
type Allowed = z.infer<typeof allowedSchema>;

/** The palette's name for the command that sets a model's price, as refusals name it. */
export const SET_PRICE_COMMAND_TITLE = 'Switchboard: Set Model Price';
export const SET_PRICE_HINT = `Set its price with "${SET_PRICE_COMMAND_TITLE}", or allow models without a price in the setting switchboard.unknownPrice.`;

/** The question's answers (quick pick rows); dismissing it is Cancel. */
export const SET_PRICE = 'Set Its Price…';
export const ALLOW_MODEL = 'Allow This Model';
export const CANCEL = 'Cancel';

/** "0.40 / 1.60", "$0.4, $1.6", "0.4 1.6": an input and an output price per million tokens, or why not. */
export function parsePrices(text: string): { input: number; output: number } | string {
  const parts = text
    .trim()
    .split(/\s*[/,;]\s*|\s+/)
    .filter(Boolean)
    .map((part) => part.replace(/^\$/, ''));
  if (parts.length !== 2) return 'Type two prices in US dollars per million tokens: input / output (e.g. 0.40 / 1.60).';
  const [input, output] = parts.map(Number) as [number, number];
  if (![input, output].every((value, index) => /^\d*\.?\d+$/.test(parts[index]!) && Number.isFinite(value)))
    return 'Each price must be a number of US dollars, 0 or more (e.g. 0.40 / 1.60).';
  return { input, output };
}

const pricesText = (prices: { input: number; output: number }) => `${prices.input} / ${prices.output}`;

/**
 * Models without a known price: the ones the user allowed (kept in globalState, checked on read),
 * the question a budget asks about one, and saving a typed price as the user's own price for the
 * model, where the panel's Edit keeps it (the provider's chosen models).
 */
export class UnknownPrices {
  /** Questions open now, by model: requests started together ask once. */
  readonly #asking = new Map<string, Promise<'priced' | 'allowed' | undefined>>();

  constructor(
    private readonly state: vscode.Memento,
    private readonly registry: Registry,
    private readonly dialogs: Dialogs,
    private readonly log: Logger,
  ) {}

  #read(): Allowed {
    const raw = this.state.get<unknown>(ALLOWED_KEY);
    if (raw === undefined) return { version: 1, models: [] };
    const parsed = allowedSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    // Asked again rather than let through on data that does not say so.
    this.log.warn(
      `the models allowed without a price could not be read (${parsed.error.message}); they will be asked about again`,
    );
    return { version: 1, models: [] };
  }

  isAllowed(providerId: string, modelId: string): boolean {
    return this.#read().models.some((model) => model.providerId === providerId && model.modelId === modelId);
  }

  async allow(providerId: string, modelId: string): Promise<void> {
    if (this.isAllowed(providerId, modelId)) return;
    const allowed = this.#read();
    await this.state.update(ALLOWED_KEY, {
      version: 1,
      models: [...allowed.models, { providerId, modelId, at: Date.now() }],
    } satisfies Allowed);
  }

  /** The question a budget asks about a model without a price: once at a time per model. */
  ask(question: UnknownPriceQuestion): Promise<'priced' | 'allowed' | undefined> {
    const key = JSON.stringify([question.providerId, question.modelId]);
    let asking = this.#asking.get(key);
    if (!asking) {
      asking = this.#ask(question).finally(() => this.#asking.delete(key));
      this.#asking.set(key, asking);
    }
    return asking;
  }

  async #ask(question: UnknownPriceQuestion): Promise<'priced' | 'allowed' | undefined> {
    const { providerId, modelId, estimatedFrom, suggested } = question;
    const entry = this.registry.get(providerId);
    const name = `${entry?.name ?? providerId} ${modelId}`;
    const estimate =
      estimatedFrom && suggested
        ? `at ${estimatedFrom}'s price (${formatPerMillion(suggested.input)} in / ${formatPerMillion(suggested.output)} out per million), estimated`
        : 'at $0: no similar model has a known price';
    const rows = [
      ...(entry?.readOnly
        ? []
        : [
            {
              label: SET_PRICE,
              detail: estimatedFrom
                ? `Type its input and output prices per million tokens (${estimatedFrom}'s are suggested)`
                : 'Type its input and output prices per million tokens',
            },
          ]),
      { label: ALLOW_MODEL, detail: `Send it, counted ${estimate}; not asked again for this model` },
      { label: CANCEL, detail: 'Send nothing' },
    ];
    const picked = await this.dialogs.pick(rows, {
      title: `${name} has no known price, and a budget needs one`,
      placeHolder: 'A budget needs its price to be kept: set it, allow the model without one, or send nothing',
      ignoreFocusOut: true,
    });
    if (picked?.label === ALLOW_MODEL) {
      await this.allow(providerId, modelId);
      this.log.info(`${providerId} ${modelId} allowed under budgets without a known price`);
      return 'allowed';
    }
    if (picked?.label !== SET_PRICE) return undefined;
    const prices = await askPrices(this.dialogs, this.registry, providerId, modelId, suggested);
    if (!prices) return undefined;
    try {
      await savePrice(this.registry, providerId, modelId, prices);
    } catch (error) {
      this.log.warn(`could not save the price of ${providerId} ${modelId}`, error);
      void this.dialogs.error(`Switchboard: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
    return 'priced';
  }
}

/** The user's own price for a model, field by field over what was there (as the panel's Edit saves it). */
export async function savePrice(
  registry: Registry,
  providerId: string,
  modelId: string,
  prices: { input: number; output: number },
): Promise<void> {
  const entry = registry.get(providerId);
  if (!entry) throw new Error(`No provider "${providerId}": it was removed.`);
  if (entry.readOnly)
    throw new Error(
      `${entry.name} comes from ${entry.source === 'settings' ? 'your settings (switchboard.providers)' : 'the workspace file .vscode/switchboard.json'}: set the price of ${modelId} there, in models[].prices.`,
    );
  const existing = entry.models.find((model) => model.id === modelId);
  const updated = {
    ...(existing ?? { id: modelId }),
    prices: { ...existing?.prices, ...prices } satisfies ModelPrices,
  };
  await registry.update(entry.id, {
    models: existing
      ? entry.models.map((model) => (model.id === modelId ? updated : model))
      : [...entry.models, updated],
  });
}

/** The input box for a model's price, prefilled with `suggested` (the current or the estimated price). */
export async function askPrices(
  dialogs: Dialogs,
  registry: Registry,
  providerId: string,
  modelId: string,
  suggested: { input: number; output: number } | undefined,
): Promise<{ input: number; output: number } | undefined> {
  const typed = await dialogs.input({
    title: `Price of ${modelId} in US dollars per million tokens: input / output`,
    prompt: `${registry.get(providerId)?.name ?? providerId} ${modelId}: saved as your price for this model (the panel's Models section shows it as yours).`,
    ...(suggested ? { value: pricesText(suggested) } : { placeHolder: '0.40 / 1.60' }),
    ignoreFocusOut: true,
    validateInput: (value) => {
      const parsed = parsePrices(value);
      return typeof parsed === 'string' ? parsed : undefined;
    },
  });
  if (typed === undefined) return undefined;
  const parsed = parsePrices(typed);
  return typeof parsed === 'string' ? undefined : parsed;
}

/** A model's price as Set Model Price shows it: known, estimated from another model, or unknown. */
export async function describePrice(pricing: PricingContext, modelId: string): Promise<string> {
  const quote = await priceOf(pricing, modelId);
  if (quote.source === 'local') return 'free (local)';
  if (!quote.prices) return 'price unknown';
  const text = `${formatPerMillion(quote.prices.input)} in · ${formatPerMillion(quote.prices.output)} out per M`;
  if (quote.source === 'estimated') return `price unknown: ${text} estimated from ${quote.estimatedFrom}`;
  return quote.source === 'user' ? `${text} (your price)` : text;
}

/** Every chosen or default model of every enabled provider, for Set Model Price (no network call). */
export function modelsToPrice(registry: Registry): Array<{ providerId: string; modelId: string }> {
  return registry
    .list()
    .filter((entry) => entry.enabled && !isLocalProvider(entry))
    .flatMap((entry) =>
      [...new Set([...(entry.defaultModel ? [entry.defaultModel] : []), ...entry.models.map((model) => model.id)])].map(
        (modelId) => ({ providerId: entry.id, modelId }),
      ),
    );
}
