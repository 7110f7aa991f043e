import { costPerRequest, describeTypical, type TypicalRequest } from './cost/costDifference';
import { formatUsd } from './cost/money';
import type { ModelFacts } from './modelFacts';

/** What the user wants a model for. */
export type TaskKind = 'chat' | 'code' | 'long-context' | 'cheapest';
export const TASK_KINDS: readonly TaskKind[] = ['chat', 'code', 'long-context', 'cheapest'];

/** A budget for one request, or for a day of requests (spread over the user's requests a day). */
export interface RecommendBudget {
  per: 'request' | 'day';
  usd: number;
}

/** One of the user's available models, with its facts (the one source of windows, capabilities and prices). */
export interface Candidate {
  providerId: string;
  providerName: string;
  modelId: string;
  facts: ModelFacts;
}

/** How many requests the user makes on a day they use Switchboard. */
export interface RequestsPerDay {
  perDay: number;
  from: 'history' | 'assumed';
  /** The days with requests it is the average of. */
  days: number;
}

/** Said when nothing is recorded yet: a working day of questions. */
export const ASSUMED_REQUESTS_PER_DAY = 50;

/**
 * Requests on a day of use: the average over the days that had any (a day off does not halve it),
 * from each recent day's count of answered requests.
 */
export function requestsPerDay(dailyCounts: readonly number[]): RequestsPerDay {
  const active = dailyCounts.filter((count) => count > 0);
  if (active.length === 0) return { perDay: ASSUMED_REQUESTS_PER_DAY, from: 'assumed', days: 0 };
  const total = active.reduce((sum, count) => sum + count, 0);
  return { perDay: Math.max(1, Math.round(total / active.length)), from: 'history', days: active.length };
}

/** A long-context task needs at least this window, known (not the default assumed for a hosted API). */
export const LONG_CONTEXT_TOKENS = 128_000;

export interface RankedModel {
  candidate: Candidate;
  /** A typical request's cost on it (0 for a local model). */
  usdPerRequest: number;
}

export interface LeftOut {
  candidate: Candidate;
  reason: string;
}

export interface Recommendation {
  /** The models that fit the task and the budget, best first. */
  ranked: RankedModel[];
  left: LeftOut[];
  /** What one request may cost under the budget. */
  perRequestUsd: number;
  /** The cheapest model fit for the task when none is within the budget. */
  closest?: RankedModel;
  /** Why the first of `ranked` is the pick, and what the runner-up costs; or why there is none. */
  explanation: string;
}

const name = (candidate: Candidate) => `${candidate.providerName} ${candidate.modelId}`;
const windowText = (facts: ModelFacts) =>
  `${Math.round(facts.contextWindow.value / 1000)}k context${facts.contextWindow.source === 'default' ? ' (assumed)' : ''}`;

/** Why a model cannot do the task at all (whatever the budget), or undefined. */
function unfit(task: TaskKind, facts: ModelFacts): string | undefined {
  if (task === 'code' && !facts.capabilities.value.tools) return 'does not take tools';
  if (task === 'long-context') {
    if (facts.contextWindow.source === 'default') return 'context window not known';
    if (facts.contextWindow.value < LONG_CONTEXT_TOKENS) return `context window under ${LONG_CONTEXT_TOKENS / 1000}k`;
  }
  return undefined;
}

/**
 * The order within the budget. Price stands in for strength where nothing else says it (chat: the
 * strongest model the budget buys); code wants tools (required) and reasoning; long context the
 * largest window, then the lower price; cheapest the lower price, then the larger window.
 */
function compare(task: TaskKind): (a: RankedModel, b: RankedModel) => number {
  const cheaper = (a: RankedModel, b: RankedModel) => a.usdPerRequest - b.usdPerRequest;
  const wider = (a: RankedModel, b: RankedModel) =>
    b.candidate.facts.contextWindow.value - a.candidate.facts.contextWindow.value;
  const reasons = (model: RankedModel) => (model.candidate.facts.capabilities.value.reasoning ? 1 : 0);
  switch (task) {
    case 'cheapest':
      return (a, b) => cheaper(a, b) || wider(a, b);
    case 'long-context':
      return (a, b) => wider(a, b) || cheaper(a, b);
    case 'code':
      return (a, b) => reasons(b) - reasons(a) || cheaper(b, a) || wider(a, b);
    case 'chat':
      return (a, b) => cheaper(b, a) || wider(a, b);
  }
}

const WHY: Record<TaskKind, (count: number, budget: string) => string> = {
  chat: (count, budget) => `the priciest, so likely the strongest, of ${count} within ${budget}`,
  code: (count, budget) => `takes tools; the best for code of ${count} that take tools within ${budget}`,
  'long-context': (count, budget) => `the largest context window of ${count} within ${budget}`,
  cheapest: (count) => `the cheapest of ${count}`,
};

function describeBudget(budget: RecommendBudget, perRequestUsd: number, perDay: RequestsPerDay): string {
  if (budget.per === 'request') return `${formatUsd(budget.usd)} per request`;
  const days =
    perDay.from === 'history'
      ? `your ${perDay.perDay} requests a day (average of ${perDay.days} day${perDay.days === 1 ? '' : 's'} of use)`
      : `${perDay.perDay} requests a day (assumed: no requests recorded yet)`;
  return `${formatUsd(budget.usd)} a day, about ${formatUsd(perRequestUsd)} per request at ${days}`;
}

/**
 * Ranks the user's available models for a task within a budget, from their facts and prices: a
 * typical request's cost (the user's own size, see `typicalRequest`) against what the budget allows
 * per request (a day's budget divided by the requests of a day of use). Models without a known price
 * are left out (nothing can say they fit), and so are models that cannot do the task.
 */
export function recommend(
  candidates: readonly Candidate[],
  options: { task: TaskKind; budget: RecommendBudget; typical: TypicalRequest; perDay: RequestsPerDay },
): Recommendation {
  const { task, budget, typical, perDay } = options;
  const perRequestUsd = budget.per === 'request' ? budget.usd : budget.usd / perDay.perDay;
  const left: LeftOut[] = [];
  const fit: RankedModel[] = [];
  const overBudget: RankedModel[] = [];
  for (const candidate of candidates) {
    const why = unfit(task, candidate.facts);
    const usdPerRequest = costPerRequest(candidate.facts.price, typical);
    if (why) left.push({ candidate, reason: why });
    else if (usdPerRequest === undefined) left.push({ candidate, reason: 'no known price' });
    else if (task !== 'cheapest' && usdPerRequest > perRequestUsd) {
      overBudget.push({ candidate, usdPerRequest });
      left.push({ candidate, reason: OVER_BUDGET });
    } else fit.push({ candidate, usdPerRequest });
  }
  // "Cheapest" is cheapest whatever the budget; a budget it does not meet is still said.
  const ranked = fit.sort(compare(task));
  const size = describeTypical(typical);
  const budgetText = describeBudget(budget, perRequestUsd, perDay);
  const pick = ranked[0];
  const leftText = summarizeLeft(left);
  if (!pick) {
    const closest = overBudget.sort((a, b) => a.usdPerRequest - b.usdPerRequest)[0];
    return {
      ranked,
      left,
      perRequestUsd,
      ...(closest ? { closest } : {}),
      explanation: `No model fits ${budgetText}${closest ? `: the cheapest that can do it, ${name(closest.candidate)}, costs about ${formatUsd(closest.usdPerRequest)} per request (${size})` : ''}.${leftText}`,
    };
  }
  const facts = pick.candidate.facts;
  const traits = [
    windowText(facts),
    ...(['tools', 'vision', 'reasoning'] as const).filter((trait) => facts.capabilities.value[trait]),
  ].join(', ');
  const estimated =
    facts.price.source === 'estimated'
      ? ` (price estimated from ${facts.price.estimatedFrom ?? 'a similar model'})`
      : '';
  const overNote =
    task === 'cheapest' && pick.usdPerRequest > perRequestUsd ? ` It is over your budget of ${budgetText}.` : '';
  const runnerUp = ranked[1];
  return {
    ranked,
    left,
    perRequestUsd,
    explanation:
      `${name(pick.candidate)}: about ${formatUsd(pick.usdPerRequest)} per request${estimated} ${size}; ` +
      `${WHY[task](ranked.length, budgetText)}; ${traits}.${overNote}` +
      (runnerUp
        ? ` Runner-up: ${name(runnerUp.candidate)} at about ${formatUsd(runnerUp.usdPerRequest)} per request.`
        : ' No runner-up.') +
      leftText,
  };
}

const OVER_BUDGET = 'over the budget';

/** " Left out: over the budget (2); no known price (1)." */
function summarizeLeft(left: readonly LeftOut[]): string {
  if (left.length === 0) return '';
  const groups = new Map<string, number>();
  for (const item of left) groups.set(item.reason, (groups.get(item.reason) ?? 0) + 1);
  return ` Left out: ${[...groups].map(([reason, count]) => `${reason} (${count})`).join('; ')}.`;
}
