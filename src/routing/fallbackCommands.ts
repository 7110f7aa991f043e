import * as vscode from 'vscode';
import { describeFailure, describeSkipSwitch, describeSwitch, describeWait, type FallbackStep } from '../core';
import { Commands } from '../platform/commands';
import type { Services } from '../services';

/** Test Fallback Chain and Edit Fallback Chain. */
export function fallbackCommands(services: Services) {
  return {
    [Commands.testFallbackChain]: () => testFallbackChain(services),
    [Commands.editFallbackChain]: () => editFallbackChain(services),
  };
}

/** Sends one short request down the chain and says who answered, after which switches. */
async function testFallbackChain({ routing, registry, dialogs }: Services) {
  const steps = routing.steps();
  if (steps.length === 0) {
    const choice = await dialogs.info(
      'Switchboard has no model to try: choose a default model first.',
      'Select Default Model',
    );
    if (choice) await vscode.commands.executeCommand(Commands.selectDefaultModel);
    return undefined;
  }
  return dialogs.progress('Switchboard: testing the fallback chain', true, async (progress, signal) => {
    const switches: Array<{ from: string; to: string; error: string }> = [];
    let answeredBy: { providerId: string; model: string } | undefined;
    let text = '';
    try {
      const request = {
        messages: [{ role: 'user' as const, content: 'Reply with the single word OK.' }],
        maxTokens: 16,
      };
      for await (const event of routing.run(request, { surface: 'connection-test', signal, steps })) {
        if (event.type === 'route-wait') progress.report({ message: describeWait(event) });
        else if (event.type === 'route-switch') {
          switches.push({
            from: `${event.from.providerId}/${event.from.model}`,
            to: `${event.to.providerId}/${event.to.model}`,
            error: event.error.kind,
          });
          progress.report({ message: describeSwitch(event) });
        } else if (event.type === 'route-skip-switch') {
          switches.push({
            from: `${event.from.providerId}/${event.from.model}`,
            to: `${event.to.providerId}/${event.to.model}`,
            error: `skipped: ${event.reason}`,
          });
          progress.report({ message: describeSkipSwitch(event) });
        } else if (event.type === 'route-answering')
          answeredBy = { providerId: event.target.providerId, model: event.target.model };
        else if (event.type === 'text') text += event.text;
      }
      const who = answeredBy
        ? `${registry.get(answeredBy.providerId)?.name ?? answeredBy.providerId} ${answeredBy.model}`
        : 'nobody';
      const after =
        switches.length > 0 ? ` after ${switches.map((item) => `${item.from} (${item.error})`).join(', ')}` : '';
      void dialogs.info(`Fallback chain works: answered by ${who}${after}.`);
      return { ok: true, answeredBy, switches, text };
    } catch (error) {
      const message = describeFailure(error);
      void dialogs.error(`Fallback chain: ${message}`);
      return { ok: false, switches, error: message };
    }
  });
}

interface StepItem extends vscode.QuickPickItem {
  step?: FallbackStep;
  done?: boolean;
}

/** Builds the chain one model at a time, in order, from the models each enabled provider lists in Switchboard. */
async function editFallbackChain({ routing, registry, dialogs, settings }: Services): Promise<void> {
  const candidates = registry
    .list()
    .filter((entry) => entry.enabled)
    .flatMap((entry) =>
      [...new Set([...(entry.defaultModel ? [entry.defaultModel] : []), ...entry.models.map((model) => model.id)])].map(
        (model) => ({ provider: entry.id, model, name: entry.name }),
      ),
    );
  if (candidates.length === 0) {
    void dialogs.info('No models to choose from: add a provider and choose its models first.');
    return;
  }
  const chain: FallbackStep[] = [];
  const head = routing.steps()[0];
  for (;;) {
    const order = [
      ...(head ? [`${head.provider}/${head.model} (default)`] : []),
      ...chain.map((step) => `${step.provider}/${step.model}`),
    ].join(' → ');
    const items: StepItem[] = [
      { label: '$(check) Done', description: order || 'no fallback', done: true },
      ...candidates
        .filter(
          (candidate) =>
            !chain.some((step) => step.provider === candidate.provider && step.model === candidate.model) &&
            !(head?.provider === candidate.provider && head.model === candidate.model),
        )
        .map((candidate) => ({
          label: candidate.model,
          description: candidate.name,
          step: { provider: candidate.provider, model: candidate.model },
        })),
    ];
    const picked = await dialogs.pick(items, {
      title: `Fallback chain: model ${chain.length + 1}`,
      placeHolder: order ? `So far: ${order}` : 'The model to try when the default fails',
    });
    if (!picked) return;
    if (picked.done || !picked.step) break;
    chain.push(picked.step);
  }
  await settings.update('fallback.chain', chain);
  await registry.noteFallbackChange(
    `chain set: ${chain.map((step) => `${step.provider}/${step.model}`).join(' → ') || 'none'}`,
  );
}
