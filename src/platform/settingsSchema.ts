import * as z from '../core/zod';
import {
  UNKNOWN_PRICE_POLICIES,
  budgetSchema,
  dataPolicy,
  declaredProvider,
  describeIssues,
  resolveDeclared,
  tokenCapSchema,
  type Budget,
  type DataPolicy,
  type FallbackStep,
  type ProviderEntry,
  type TokenCap,
  type UnknownPricePolicy,
} from '../core';

/** Where settings come from: VS Code's configuration in the extension, a plain object in unit tests. */
export interface SettingsSource {
  /** The effective value of `switchboard.<key>`, or undefined when it is not set. */
  get(key: string): unknown;
  /** Each layer's value of `switchboard.<key>`, for settings whose layers mean different things. */
  layers(key: string): { user?: unknown; workspace?: unknown; folder?: unknown };
}

export interface SwitchboardSettings {
  keys: { allowCommandReferences: boolean };
  /** Providers declared in settings: the user's, and a trusted workspace's (its folders' included). */
  providers: { user: ProviderEntry[]; workspace: ProviderEntry[] };
  budgets: Budget[];
  /** Per-request token caps per provider (a warning and a hard limit), set with the budgets. */
  tokenCaps: TokenCap[];
  /** What a budget that refuses requests does with a model nobody knows the price of. */
  unknownPrice: UnknownPricePolicy;
  statusBar: { period: 'today' | 'month' };
  fallback: {
    chain: FallbackStep[];
    maxCostRatio: number;
    askBeforeSwitchingProviders: boolean;
    /** With an empty chain, fall over to the other providers' default models (cheapest first). */
    automatic: boolean;
  };
  /** Background checks of enabled providers with their model list, every `intervalMinutes`. */
  health: { enabled: boolean; intervalMinutes: number };
  languageModels: { useFallbackChain: boolean };
  retry: { maxAttempts: number; maxWaitSeconds: number };
  circuit: { failureThreshold: number; coolDownSeconds: number };
  /** Current prices downloaded once a day; from `url` (a mirror) when set, else the maintained price file. */
  prices: { update: boolean; url: string | undefined };
  /** Team gateways (LiteLLM proxy, OpenRouter): how often their key's status is read, how their credit is enforced, when to warn. */
  gateway: { refreshMinutes: number; budgetMode: 'ask' | 'stop'; lowCreditPercent: number };
  /** The user's own OpenRouter data policy: adds to a team's, never lifts it. */
  openRouter: { dataPolicy: DataPolicy };
}

/** Each plain setting with its schema and default (as package.json declares them). */
const PLAIN = {
  'keys.allowCommandReferences': [z.boolean(), false],
  'statusBar.period': [z.enum(['today', 'month']), 'today'],
  unknownPrice: [z.enum(UNKNOWN_PRICE_POLICIES), 'ask'],
  'fallback.maxCostRatio': [z.number().check(z.gte(1)), 3],
  'fallback.askBeforeSwitchingProviders': [z.boolean(), false],
  'fallback.automatic': [z.boolean(), true],
  'health.enabled': [z.boolean(), true],
  'health.intervalMinutes': [z.number().check(z.gte(1), z.lte(1440)), 5],
  'languageModels.useFallbackChain': [z.boolean(), false],
  'retry.maxAttempts': [z.int().check(z.gte(1), z.lte(10)), 3],
  'retry.maxWaitSeconds': [z.number().check(z.gte(0), z.lte(600)), 30],
  'circuit.failureThreshold': [z.int().check(z.gte(1)), 3],
  'circuit.coolDownSeconds': [z.number().check(z.gte(1)), 30],
  'prices.update': [z.boolean(), true],
  'prices.url': [
    z.union([z.literal(''), z.url({ protocol: /^https?$/, error: 'expected an http or https address' })]),
    '',
  ],
  'gateway.refreshMinutes': [z.number().check(z.gte(0), z.lte(1440)), 10],
  'gateway.budgetMode': [z.enum(['ask', 'stop']), 'stop'],
  'gateway.lowCreditPercent': [z.number().check(z.gte(0), z.lte(100)), 20],
  'openRouter.dataPolicy': [dataPolicy, {}],
} as const satisfies Record<string, readonly [z.core.$ZodType, unknown]>;

const chainSchema = z.array(
  z.strictObject({ provider: z.string().check(z.minLength(1)), model: z.string().check(z.minLength(1)) }),
);

const shown = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
};

/**
 * Reads and checks every `switchboard.*` setting. A malformed value is never half-applied: a plain
 * setting falls back to its default, the fallback chain to none, a budget or a declared provider is
 * left out whole; each problem names the setting it is about.
 */
export function readSettings(
  source: SettingsSource,
  options: { trusted: boolean },
): { settings: SwitchboardSettings; problems: string[] } {
  const problems: string[] = [];
  const plain = <K extends keyof typeof PLAIN>(key: K): z.infer<(typeof PLAIN)[K][0]> => {
    const [schema, fallback] = PLAIN[key];
    const raw = source.get(key);
    if (raw === undefined) return fallback as z.infer<(typeof PLAIN)[K][0]>;
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data as z.infer<(typeof PLAIN)[K][0]>;
    problems.push(
      `switchboard.${key} ${shown(raw)} ignored (${describeIssues(parsed.error)
        .map((issue) => issue.replace(/^\(root\): /, ''))
        .join('; ')}); using ${shown(fallback)}`,
    );
    return fallback as z.infer<(typeof PLAIN)[K][0]>;
  };

  const items = (key: string, raw: unknown, where: string): unknown[] => {
    if (raw === undefined || Array.isArray(raw)) return raw ?? [];
    problems.push(`${where}switchboard.${key} ignored: expected a list`);
    return [];
  };

  const budgets: Budget[] = [];
  for (const [index, item] of items('budgets', source.get('budgets'), '').entries()) {
    const parsed = budgetSchema.safeParse(item);
    if (parsed.success) budgets.push(parsed.data);
    else problems.push(`switchboard.budgets[${index}] ignored: ${describeIssues(parsed.error).join('; ')}`);
  }

  const tokenCaps: TokenCap[] = [];
  for (const [index, item] of items('tokenCaps', source.get('tokenCaps'), '').entries()) {
    const parsed = tokenCapSchema.safeParse(item);
    if (parsed.success && !tokenCaps.some((cap) => cap.providerId === parsed.data.providerId))
      tokenCaps.push(parsed.data);
    else
      problems.push(
        `switchboard.tokenCaps[${index}] ignored: ${parsed.success ? `a second entry for ${parsed.data.providerId}` : describeIssues(parsed.error).join('; ')}`,
      );
  }

  const rawChain = source.get('fallback.chain') ?? [];
  const chain = chainSchema.safeParse(rawChain);
  if (!chain.success)
    problems.push(
      `switchboard.fallback.chain ignored (no fallback until it is fixed): ${describeIssues(chain.error).join('; ')}`,
    );

  const declared = (raw: unknown, where: string): ProviderEntry[] => {
    const valid = [];
    for (const [index, item] of items('providers', raw, `${where} `).entries()) {
      const parsed = declaredProvider.safeParse(item);
      if (parsed.success) valid.push(parsed.data);
      else
        problems.push(`${where} switchboard.providers[${index}] ignored: ${describeIssues(parsed.error).join('; ')}`);
    }
    const resolved = resolveDeclared(valid, `${where} switchboard.providers`);
    if (!resolved.ok) problems.push(...resolved.errors);
    return resolved.ok ? resolved.value : [];
  };
  const layers = source.layers('providers');
  // A workspace's settings count only in a trusted workspace: an untrusted one is not read at all.
  const providers = {
    user: declared(layers.user, 'user settings'),
    workspace: options.trusted
      ? [...declared(layers.workspace, 'workspace settings'), ...declared(layers.folder, 'folder settings')]
      : [],
  };

  const settings: SwitchboardSettings = {
    keys: { allowCommandReferences: plain('keys.allowCommandReferences') },
    providers,
    budgets,
    tokenCaps,
    unknownPrice: plain('unknownPrice'),
    statusBar: { period: plain('statusBar.period') },
    fallback: {
      chain: chain.success ? chain.data : [],
      maxCostRatio: plain('fallback.maxCostRatio'),
      askBeforeSwitchingProviders: plain('fallback.askBeforeSwitchingProviders'),
      automatic: plain('fallback.automatic'),
    },
    health: { enabled: plain('health.enabled'), intervalMinutes: plain('health.intervalMinutes') },
    languageModels: { useFallbackChain: plain('languageModels.useFallbackChain') },
    retry: { maxAttempts: plain('retry.maxAttempts'), maxWaitSeconds: plain('retry.maxWaitSeconds') },
    circuit: { failureThreshold: plain('circuit.failureThreshold'), coolDownSeconds: plain('circuit.coolDownSeconds') },
    prices: { update: plain('prices.update'), url: plain('prices.url') || undefined },
    gateway: {
      refreshMinutes: plain('gateway.refreshMinutes'),
      budgetMode: plain('gateway.budgetMode'),
      lowCreditPercent: plain('gateway.lowCreditPercent'),
    },
    openRouter: { dataPolicy: plain('openRouter.dataPolicy') },
  };
  return { settings, problems };
}
