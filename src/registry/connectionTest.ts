import * as vscode from 'vscode';
import type { Registry, StageResult } from '../core';
import { Commands } from '../platform/commands';
import type { Dialogs } from '../platform/dialogs';
import type { Services } from '../services';
import { pickProvider } from './providerCommands';

/** Test Connection (one provider, stage by stage) and Test All Connections. */
export function connectionTestCommands(services: Services) {
  return {
    [Commands.testConnection]: (args?: { providerId?: string; model?: string; announce?: boolean }) =>
      testConnection(services, args),
    [Commands.testAllConnections]: () => testAllConnections(services),
  };
}

/** `announce`: say how the test went (always when the user picked the provider here). */
async function testConnection(
  { registry, dialogs, cost, log }: Services,
  args?: { providerId?: string; model?: string; announce?: boolean },
) {
  const id = args?.providerId ?? (await pickProvider(registry, dialogs, 'Test the connection to'));
  const entry = id && registry.get(id);
  if (!entry) return undefined;
  let cancelled = false;
  const report = await dialogs.progress(`Testing ${entry.name}`, true, (progress, signal) => {
    signal.addEventListener('abort', () => (cancelled = true), { once: true });
    return registry.testConnection(entry.id, {
      model: args?.model,
      signal,
      onStage: (stage: StageResult) =>
        progress.report({
          message: `${stage.stage}: ${stage.status}${stage.ms === undefined ? '' : ` (${Math.round(stage.ms)} ms)`}`,
        }),
      // The one-token chat is a real request: it counts against budgets and is recorded.
      wrapChat: (provider) => cost.meter(provider, entry.id, 'connection-test'),
    });
  });
  const failed = report.stages.find((stage) => stage.status === 'fail');
  log.info(
    `connection test of ${entry.id}: ${report.stages.map((stage) => `${stage.stage} ${stage.status}${stage.ms === undefined ? '' : ` ${Math.round(stage.ms)} ms`}`).join(', ')}`,
  );
  // A test the user cancelled needs no verdict.
  if (!cancelled && (!args?.providerId || args.announce)) {
    if (failed)
      void announceFailure(registry, dialogs, entry, failed, entry.readOnly ? undefined : report.suggestedBaseUrl);
    else if (registry.defaultModel() === undefined) {
      // The next step of a first setup: a model to chat with.
      void dialogs
        .info(`${entry.name} works. Choose the model to use?`, 'Select Default Model')
        .then((choice) => choice && vscode.commands.executeCommand(Commands.selectDefaultModel));
    } else void dialogs.info(`${entry.name} works.`);
  }
  return report;
}

async function testAllConnections({ registry, dialogs, cost, log }: Services) {
  const entries = registry.list().filter((entry) => entry.enabled);
  if (entries.length === 0) return [];
  const results = await dialogs.progress(`Testing ${entries.length} provider(s)`, true, async (progress, signal) => {
    let done = 0;
    const all = await Promise.all(
      entries.map(async (entry) => {
        try {
          const report = await registry.testConnection(entry.id, {
            signal,
            wrapChat: (provider) => cost.meter(provider, entry.id, 'connection-test'),
          });
          return {
            providerId: entry.id,
            name: entry.name,
            ok: report.ok,
            failed: report.stages.find((stage) => stage.status === 'fail')?.message,
          };
        } catch (error) {
          // One provider that cannot be tested (removed meanwhile, say) does not lose the others' results.
          return {
            providerId: entry.id,
            name: entry.name,
            ok: false,
            failed: error instanceof Error ? error.message : String(error),
          };
        } finally {
          progress.report({ message: `${++done} of ${entries.length} done`, increment: 100 / entries.length });
        }
      }),
    );
    // Cancelled: no verdicts (the stopped tests were not recorded either).
    return signal.aborted ? undefined : all;
  });
  if (!results) return [];
  for (const result of results)
    log.info(`connection test of ${result.providerId}: ${result.ok ? 'ok' : result.failed}`);
  const failing = results.filter((result) => !result.ok);
  if (failing.length === 0) void dialogs.info(`All ${results.length} provider(s) work.`);
  else {
    void dialogs
      .warn(
        `${failing.map((result) => `${result.name}: ${result.failed ?? 'failed'}`).join(' · ')}`,
        'Manage Providers',
      )
      .then((choice) => choice && vscode.commands.executeCommand(Commands.openPanel));
  }
  return results;
}

/** The failed stage in a sentence, with the one action that fixes it. */
async function announceFailure(
  registry: Registry,
  dialogs: Dialogs,
  { id: providerId, name }: { id: string; name: string },
  failed: StageResult,
  suggestedBaseUrl: string | undefined,
): Promise<void> {
  const useSuggested = suggestedBaseUrl && `Use ${suggestedBaseUrl}`;
  const actions = [
    ...(useSuggested ? [useSuggested] : []),
    ...(failed.stage === 'auth' ? ['Set API Key'] : []),
    'Open Log',
  ];
  const choice = await dialogs.error(`${name}: ${failed.message}`, ...actions);
  if (choice === useSuggested && suggestedBaseUrl) {
    await registry.update(providerId, { baseUrl: suggestedBaseUrl });
    await vscode.commands.executeCommand(Commands.testConnection, { providerId, announce: true });
  } else if (choice === 'Set API Key') await vscode.commands.executeCommand(Commands.setApiKey, { providerId });
  else if (choice === 'Open Log') await vscode.commands.executeCommand(Commands.showLog);
}
