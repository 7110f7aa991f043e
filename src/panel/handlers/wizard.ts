import * as vscode from 'vscode';
import {
  findTemplate,
  parseReference,
  withCatalog,
  type ConnectionTestReport,
  type ModelCheck,
  type Registry,
} from '../../core';
import type { Dialogs } from '../../platform/dialogs';
import { Commands } from '../../platform/commands';
import type { Handlers, RequestContext } from '../handler';
import type { PanelReport, Params } from '../../shared/protocol';
import { draftRowSource, modelRows, panelReport, panelStage } from '../rows';

/** The add wizard: a draft tested before anything is saved, then saved with its models. */
export const wizardHandlers: Handlers<'testDraft' | 'checkDraftModel' | 'addProvider' | 'detectLocal' | 'openChat'> = {
  async testDraft({ template, baseUrl, apiKey, apiVersion, deployments }, services) {
    const { registry, drafts, prices, signal, onStage } = services;
    refuseReference(apiKey);
    const draft = { template, baseUrl, apiKey, ...(apiVersion ? { apiVersion } : {}) };
    const [first] = deployments ?? [];
    const report = await registry.testDraft(draft, { signal, onStage, ...(first ? { model: first.id } : {}) });
    // A test stopped half-way says nothing about the provider.
    if (!signal.aborted) drafts.remember(draft, report);
    if (!deployments?.length) return panelReport(template, report, draftRowSource(template, prices.state.date));
    return deploymentReport(draft, deployments, report, services);
  },
  async checkDraftModel({ template, baseUrl, apiKey, model, apiVersion, baseModel }, { registry, prices, signal }) {
    refuseReference(apiKey);
    const draft = { template, baseUrl, apiKey, ...(apiVersion ? { apiVersion } : {}) };
    const check = await registry.checkDraftModel(draft, model, { signal });
    const runs = baseModel ?? check.servedModel;
    // The typed model's row from the same facts as a listed one: the catalog's window and prices where it
    // knows them (a deployment's are those of the model it runs).
    const [row] = await modelRows(
      runs ? [{ id: model }] : await withCatalog([{ id: model }], findTemplate(template)?.catalogIds ?? []),
      draftRowSource(template, prices.state.date, runs ? [{ id: model, baseModel: runs }] : []),
    );
    return {
      ok: check.ok,
      stage: panelStage(check.stage),
      model: {
        ...(row ?? { id: model, priceSource: 'unknown', capabilities: [] }),
        ...(runs ? { baseModel: runs } : {}),
      },
    };
  },
  async addProvider(params, { registry, drafts, dialogs }) {
    const template = findTemplate(params.template);
    if (!template) throw new Error(`Unknown template "${params.template}".`);
    const apiKey = params.apiKey?.trim() || undefined;
    if (template.key === 'required' && !apiKey)
      throw new Error(`${template.name} needs an API key: enter it, then save.`);
    const reference = apiKey === undefined ? undefined : parseReference(apiKey);
    // A key that runs a command is only ever typed by the user in VS Code's own key box, never sent by a webview.
    if (reference?.kind === 'command')
      throw new Error('A ${command:…} key can only be entered with "Switchboard: Set API Key".');
    // An environment variable's value would go to this base URL: the user says so outside the webview.
    if (
      reference?.kind === 'env' &&
      !(await dialogs.confirm(
        `Send the value of the environment variable ${reference.name} as ${template.name}'s key to ${new URL(params.baseUrl).origin}?`,
        'Save',
        'The key is read from your environment each time it is used.',
      ))
    )
      throw new Error(`Not saved: the key from ${reference.name} was not confirmed.`);
    const entry = await registry.add({
      template: params.template,
      name: params.name,
      baseUrl: params.baseUrl,
      apiKey,
      ...(params.apiVersion ? { apiVersion: params.apiVersion } : {}),
    });
    // Only the first provider becomes the default; a later one is offered, never moved to unasked.
    const adopted = params.defaultModel !== undefined && (await registry.adoptDefault(entry.id, params.defaultModel));
    const models = [...new Set([...(params.defaultModel ? [params.defaultModel] : []), ...params.models])];
    const baseModels = new Map(Object.entries(params.baseModels ?? {}));
    if (models.length > 0)
      await registry.update(entry.id, {
        models: models.map((model) => ({
          id: model,
          ...(baseModels.get(model) ? { baseModel: baseModels.get(model) } : {}),
        })),
        ...(params.defaultModel ? { defaultModel: params.defaultModel } : {}),
      });
    if (params.defaultModel && !adopted) void offerDefault(registry, dialogs, entry.id, params.defaultModel);
    const tested = drafts.take({
      template: params.template,
      baseUrl: params.baseUrl,
      apiKey,
      ...(params.apiVersion ? { apiVersion: params.apiVersion } : {}),
    });
    if (tested) await registry.recordTest(entry.id, tested.report, tested.at);
    return { providerId: entry.id };
  },
  async detectLocal() {
    return { found: (await vscode.commands.executeCommand<string[] | undefined>(Commands.detectLocalProviders)) ?? [] };
  },
  async openChat() {
    await vscode.commands.executeCommand(Commands.openChat);
    return null;
  },
};

/** "Make X the default?" as a notification: dismissed, or left unanswered, the default stays. */
async function offerDefault(registry: Registry, dialogs: Dialogs, providerId: string, modelId: string): Promise<void> {
  const name = registry.get(providerId)?.name ?? providerId;
  const current = registry.defaultModel();
  const answer = await dialogs.info(
    `Make ${name} · ${modelId} the default model?${current ? ` Your default stays ${current} unless you do.` : ''}`,
    'Make Default',
  );
  if (answer === 'Make Default' && registry.get(providerId)) await registry.setDefault(providerId, modelId);
}

/** A ${env:…} key is read where it is used, never tested from the wizard. */
function refuseReference(apiKey: string | undefined): void {
  if (apiKey?.trim().startsWith('${'))
    throw new Error(
      'A ${env:…} key is read when it is used: save the provider without testing, then test it from its card.',
    );
}

/**
 * Azure: the deployments are the models. The first was the connection test's one-token chat; each
 * other is checked the same way. Those that answer are the report's models, each with the model it
 * runs (the user's word, else what the answer said), so its window and prices are that model's.
 */
async function deploymentReport(
  draft: { template: string; baseUrl: string; apiKey?: string; apiVersion?: string },
  deployments: NonNullable<Params<'testDraft'>['deployments']>,
  report: ConnectionTestReport,
  { registry, prices, signal }: RequestContext,
): Promise<PanelReport> {
  const others = deployments.slice(1);
  const firstCheck: ModelCheck = {
    ok: report.ok,
    stage: report.stages.find((stage) => stage.stage === 'chat' && stage.status !== 'skip') ??
      report.stages.find((stage) => stage.status === 'fail') ?? {
        stage: 'chat',
        status: 'skip',
        message: 'Not tried.',
      },
    ...(report.servedModel ? { servedModel: report.servedModel } : {}),
  };
  const checks = [
    firstCheck,
    ...(report.ok
      ? await Promise.all(others.map((deployment) => registry.checkDraftModel(draft, deployment.id, { signal })))
      : []),
  ];
  const results = checks.map((check, index) => {
    const deployment = deployments[index]!;
    const baseModel = deployment.baseModel ?? check.servedModel;
    return { id: deployment.id, ok: check.ok, message: check.stage.message, ...(baseModel ? { baseModel } : {}) };
  });
  const answered = results.filter((result) => result.ok);
  const chosen = answered.map((result) => ({
    id: result.id,
    ...(result.baseModel ? { baseModel: result.baseModel } : {}),
  }));
  const rows = await modelRows(
    answered.map((result) => ({ id: result.id })),
    draftRowSource(draft.template, prices.state.date, chosen),
  );
  const shown = await panelReport(
    draft.template,
    { ...report, models: [] },
    draftRowSource(draft.template, prices.state.date),
  );
  return {
    ...shown,
    models: rows.map((row) => {
      const baseModel = chosen.find((item) => item.id === row.id)?.baseModel;
      return baseModel ? { ...row, baseModel } : row;
    }),
    deployments: results,
  };
}
