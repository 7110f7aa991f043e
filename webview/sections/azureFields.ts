import { html, nothing, type TemplateResult } from 'lit';
import { azureBaseUrl, parseAzureUrl } from '../../src/shared/azureUrl';
import { button } from '../components/button';
import { store, type AzureDraft } from '../state';

/**
 * The add wizard's Azure OpenAI fields: the resource endpoint (a pasted deployment URL fills the
 * deployment and API version too), the URL form, the API version, and the deployments, each with the
 * model it runs (optional: the answer to the connection test says it).
 */

/** The wizard's Azure draft, started with the template's documented API version. */
export function azureDraft(defaultVersion: string): AzureDraft {
  const wizard = store.saved.wizard;
  wizard.azure ??= { form: 'deployment', apiVersion: defaultVersion, deployments: [{ id: '' }] };
  return wizard.azure;
}

/** The base URL the draft is tested and saved with: the resource, or its /openai/v1. */
export function azureDraftBaseUrl(azure: AzureDraft): string {
  return azureBaseUrl(store.saved.wizard.baseUrl ?? '', azure.form);
}

/** The deployments named so far (blank rows left out). */
export function namedDeployments(azure: AzureDraft): Array<{ id: string; baseModel?: string }> {
  return azure.deployments
    .filter((deployment) => deployment.id.trim())
    .map((deployment) => ({
      id: deployment.id.trim(),
      ...(deployment.baseModel?.trim() ? { baseModel: deployment.baseModel.trim() } : {}),
    }));
}

/** Takes a URL into the draft: the resource as the endpoint; its form, deployment and API version where it names them. */
export function takeAzureUrl(azure: AzureDraft, text: string): void {
  const wizard = store.saved.wizard;
  const address = parseAzureUrl(text);
  if (!address) {
    wizard.baseUrl = text.trim();
    return;
  }
  wizard.baseUrl = address.resource;
  const named = /\/openai(\/|$)/.test(new URL(text.trim()).pathname);
  if (named) azure.form = address.form;
  if (address.apiVersion && address.form === 'deployment') azure.apiVersion = address.apiVersion;
  const deployment = address.deployment;
  if (deployment && !azure.deployments.some((item) => item.id.trim() === deployment)) {
    const blank = azure.deployments.find((item) => !item.id.trim());
    if (blank) blank.id = deployment;
    else azure.deployments.push({ id: deployment });
  }
}

export function azureFields(azure: AzureDraft, rerender: () => void): TemplateResult {
  const wizard = store.saved.wizard;
  const change = () => {
    store.changed();
    rerender();
  };
  return html`<label for="base-url">Resource endpoint</label>
    <input
      id="base-url"
      type="url"
      .value=${wizard.baseUrl ?? ''}
      required
      spellcheck="false"
      placeholder="https://YOUR-RESOURCE.openai.azure.com"
      aria-describedby="base-url-hint"
      @input=${(event: Event) => {
        wizard.baseUrl = (event.target as HTMLInputElement).value.trim();
        store.changed();
      }}
      @change=${(event: Event) => {
        takeAzureUrl(azure, (event.target as HTMLInputElement).value);
        change();
      }}
    />
    <p id="base-url-hint" class="hint">
      From the Azure portal (Keys and Endpoint). A deployment's whole URL works too: its deployment and API version are
      filled in.
    </p>
    <fieldset class="azure-form">
      <legend>URL form</legend>
      <label
        ><input
          type="radio"
          name="azure-form"
          id="azure-form-deployment"
          .checked=${azure.form === 'deployment'}
          @change=${() => {
            azure.form = 'deployment';
            change();
          }}
        />
        Deployment URLs (…/openai/deployments/NAME, with an API version)</label
      >
      <label
        ><input
          type="radio"
          name="azure-form"
          id="azure-form-v1"
          .checked=${azure.form === 'v1'}
          @change=${() => {
            azure.form = 'v1';
            change();
          }}
        />
        …/openai/v1 (Azure AI Foundry; no API version)</label
      >
    </fieldset>
    ${
      azure.form === 'deployment'
        ? html`<label for="api-version">API version</label>
            <input
              id="api-version"
              type="text"
              spellcheck="false"
              .value=${azure.apiVersion}
              aria-describedby="api-version-hint"
              @input=${(event: Event) => {
                azure.apiVersion = (event.target as HTMLInputElement).value.trim();
                store.changed();
              }}
            />
            <p id="api-version-hint" class="hint">Azure's documented version is prefilled; a newer one works too.</p>`
        : nothing
    }
    <fieldset class="deployments">
      <legend>Deployments</legend>
      <p class="hint" id="deployments-hint">
        Each deployment is a model here. Say which model it runs to get its prices and context window, or leave it
        empty: the connection test reads it from Azure's answer.
      </p>
      ${azure.deployments.map(
        (deployment, index) =>
          html`<div class="deployment">
            <input
              id=${`deployment-${index}`}
              type="text"
              spellcheck="false"
              aria-label=${`Deployment ${index + 1} name`}
              aria-describedby="deployments-hint"
              placeholder="deployment name"
              .value=${deployment.id}
              @input=${(event: Event) => {
                deployment.id = (event.target as HTMLInputElement).value;
                store.changed();
              }}
            />
            <input
              id=${`base-model-${index}`}
              type="text"
              spellcheck="false"
              aria-label=${`Model deployment ${index + 1} runs`}
              placeholder="model it runs, e.g. gpt-4o (optional)"
              .value=${deployment.baseModel ?? ''}
              @input=${(event: Event) => {
                deployment.baseModel = (event.target as HTMLInputElement).value || undefined;
                store.changed();
              }}
            />
            ${
              azure.deployments.length > 1
                ? button(
                    'Remove',
                    () => {
                      azure.deployments.splice(index, 1);
                      change();
                    },
                    { label: `Remove deployment ${index + 1}` },
                  )
                : nothing
            }
          </div>`,
      )}
      ${button(
        'Add Deployment',
        () => {
          azure.deployments.push({ id: '' });
          change();
        },
        { id: 'add-deployment' },
      )}
    </fieldset>`;
}
