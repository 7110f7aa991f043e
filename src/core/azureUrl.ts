/** Azure OpenAI's GA data-plane version for deployment URLs (the /openai/v1 form needs none). */
export const AZURE_API_VERSION = '2024-10-21';

/**
 * An Azure OpenAI address in its parts. Two forms: `{resource}/openai/v1` (Azure AI Foundry's, the
 * deployment named as the model in the body, with a model list) and the deployment form
 * `{resource}/openai/deployments/{deployment}/chat/completions?api-version=…` (no list of deployments).
 */
export interface AzureAddress {
  /** The resource's address, e.g. `https://res.openai.azure.com` (a gateway's path prefix kept). */
  resource: string;
  form: 'v1' | 'deployment';
  /** The deployment a pasted deployment URL names. */
  deployment?: string;
  /** The `api-version` a pasted URL carries. */
  apiVersion?: string;
}

/** The parts of an Azure address as typed or pasted (a whole request URL included); undefined if it is not a URL. */
export function parseAzureUrl(text: string): AzureAddress | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  const path = url.pathname.replace(/\/+$/, '');
  const apiVersion = url.searchParams.get('api-version') ?? undefined;
  const version = apiVersion ? { apiVersion } : {};
  const v1 = /^(.*?)\/openai\/v1(?:\/.*)?$/.exec(path);
  if (v1) return { resource: url.origin + v1[1], form: 'v1', ...version };
  const deployment = /^(.*?)\/openai\/deployments\/([^/]+)(?:\/.*)?$/.exec(path);
  if (deployment) {
    let name = deployment[2]!;
    try {
      name = decodeURIComponent(name);
    } catch {
      // kept as written
    }
    return { resource: url.origin + deployment[1], form: 'deployment', deployment: name, ...version };
  }
  const openai = /^(.*?)\/openai$/.exec(path);
  return { resource: url.origin + (openai ? openai[1] : path), form: 'deployment', ...version };
}

/** The base URL stored for an Azure resource in one form: the resource itself, or its `/openai/v1`. */
export function azureBaseUrl(resource: string, form: AzureAddress['form']): string {
  const trimmed = resource.replace(/\/+$/, '');
  return form === 'v1' ? `${trimmed}/openai/v1` : trimmed;
}
