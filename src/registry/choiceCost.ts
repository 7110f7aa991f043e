import { costChange, describeTypical, sameModel, typicalRequest, type ModelRef, type Registry } from '../core';
import type { Dialogs } from '../platform/dialogs';
import type { Settings } from '../platform/settings';
import type { ChangeAnswer, ChangeQuestion, CostService } from '../services';

/** What the cost of a change of model is read from: the model facts, the user's recent requests, the cost ratio. */
export interface ChoiceCostDeps {
  registry: Registry;
  dialogs: Dialogs;
  cost: Pick<CostService, 'recentRequests'>;
  settings: Pick<Settings, 'current'>;
}

/**
 * What changing to `to` does to the cost of a typical request of this user (their own recent
 * sizes, priced by the model facts every surface uses), and, when it multiplies that cost beyond
 * the fallback cost ratio (`switchboard.fallback.maxCostRatio`: the line a silent switch to a
 * fallback model may not cross either), the user's answer to a modal question.
 */
export async function confirmChange(
  { registry, dialogs, cost, settings }: ChoiceCostDeps,
  to: ModelRef,
  question: ChangeQuestion,
): Promise<ChangeAnswer> {
  const { from } = question;
  if (!from || sameModel(from, to)) return { proceed: true };
  const [fromFacts, toFacts, recent] = await Promise.all([
    registry.modelFacts(from.providerId, from.modelId),
    registry.modelFacts(to.providerId, to.modelId),
    cost.recentRequests(),
  ]);
  const providerName = (ref: ModelRef) => registry.get(ref.providerId)?.name ?? ref.providerId;
  // The provider is named only where it tells the two apart.
  const fromName = from.providerId === to.providerId ? from.modelId : `${providerName(from)} ${from.modelId}`;
  const toName = `${providerName(to)} ${to.modelId}`;
  const typical = typicalRequest(recent);
  const maxRatio = settings.current.fallback.maxCostRatio;
  const change = costChange(
    { name: fromName, price: fromFacts.price },
    { name: toName, price: toFacts.price },
    typical,
    maxRatio,
  );
  const basis = `Priced ${describeTypical(typical)}.`;
  const note = `${toName}: ${change.text}. ${basis}`;
  if (!change.beyondRatio) return { proceed: true, note };
  const proceed = await dialogs.confirm(
    `Make ${toName} ${question.what}? It costs ${change.text}.`,
    question.action,
    `${basis} Switchboard asks before a change that multiplies the cost per answer by more than ${maxRatio} (switchboard.fallback.maxCostRatio).`,
  );
  return { proceed, note };
}
