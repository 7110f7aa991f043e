import { AZURE_API_VERSION, azureBaseUrl, checkBaseUrl, parseAzureUrl, type ProviderTemplate } from '../core';
import type { Services } from '../services';
import { askForKey, refuseCommandReference } from './keyPrompts';
import { announceChoice, chooseModels } from './modelChoice';

/** What a scripted add may say; `deployments`, `apiVersion` and `baseModels` are Azure's. */
export interface AddArgs {
  template?: string;
  name?: string;
  baseUrl?: string;
  apiKey?: string;
  apiVersion?: string;
  deployments?: string[];
  baseModels?: Record<string, string>;
}

/**
 * Azure OpenAI from the palette: the resource endpoint (or a deployment's whole URL, which names the
 * deployment and API version too), the API version for the deployment form, the deployments (the
 * models here) and the key; then each deployment is tried with one token, and the model it runs
 * (Azure's answer says) is kept with it, so it is priced as that model.
 */
export async function addAzure(services: Services, template: ProviderTemplate, args?: AddArgs) {
  const { registry, dialogs, cost } = services;
  const typed =
    args?.baseUrl ??
    (await dialogs.input({
      title: `${template.name}: resource endpoint`,
      prompt: "https://YOUR-RESOURCE.openai.azure.com, its /openai/v1 (Azure AI Foundry), or a deployment's whole URL",
      value: 'https://',
      validateInput: (value) => checkBaseUrl(value.trim()),
    }));
  const address = typed && parseAzureUrl(typed);
  if (!address) return undefined;
  const apiVersion =
    address.form === 'v1'
      ? undefined
      : args
        ? (args.apiVersion ?? address.apiVersion)
        : await dialogs.input({
            title: `${template.name}: API version`,
            value: address.apiVersion ?? AZURE_API_VERSION,
            prompt: "Azure's documented version is prefilled.",
            validateInput: (value) =>
              /^[\w.-]+$/.test(value.trim()) ? undefined : 'Enter a version, e.g. 2024-10-21.',
          });
  if (!args && address.form === 'deployment' && apiVersion === undefined) return undefined;
  const named = args
    ? (args.deployments ?? (address.deployment ? [address.deployment] : []))
    : (
        await dialogs.input({
          title: `${template.name}: deployments`,
          prompt: 'The deployment names, separated by commas: each is a model here.',
          value: address.deployment ?? '',
          validateInput: (value) =>
            address.form === 'deployment' && !value.trim() ? 'Name at least one deployment.' : undefined,
        })
      )
        ?.split(',')
        .map((name) => name.trim())
        .filter(Boolean);
  if (named === undefined) return undefined;
  const apiKey = args
    ? args.apiKey === undefined
      ? undefined
      : refuseCommandReference(args.apiKey)
    : await askForKey(dialogs, template.id, template.name);
  if (!args && apiKey === undefined) return undefined;
  const entry = await registry.add({
    template: template.id,
    name: args?.name,
    baseUrl: azureBaseUrl(address.resource, address.form),
    ...(apiVersion ? { apiVersion: apiVersion.trim() } : {}),
    apiKey,
  });
  const deployments = [...new Set(named)];
  if (deployments.length === 0) {
    if (!args) void announceChoice(services, entry.id, await chooseModels(services, entry.id));
    return entry.id;
  }
  const baseModels = new Map(Object.entries(args?.baseModels ?? {}));
  if (!args) {
    // Each deployment answers one token (metered like any connection test); its answer names its model.
    const checks = await dialogs.progress(`Trying ${deployments.join(', ')}`, true, (_progress, signal) =>
      Promise.all(
        deployments.map((deployment) =>
          registry.checkModel(entry.id, deployment, {
            signal,
            wrapChat: (provider) => cost.meter(provider, entry.id, 'connection-test'),
          }),
        ),
      ),
    );
    const failed: string[] = [];
    checks.forEach((check, index) => {
      const deployment = deployments[index]!;
      if (check.servedModel) baseModels.set(deployment, check.servedModel);
      if (!check.ok) failed.push(`${deployment}: ${check.stage.message}`);
    });
    if (failed.length > 0) void dialogs.warn(failed.join(' · '));
  }
  await registry.update(entry.id, {
    models: deployments.map((id) => ({ id, ...(baseModels.get(id) ? { baseModel: baseModels.get(id) } : {}) })),
    defaultModel: deployments[0],
  });
  if (!args) void dialogs.info(`${entry.name}: ${deployments.join(', ')}.`);
  return entry.id;
}
