import { html, nothing, type TemplateResult } from 'lit';
import { KEY_IN_BASE_URL, urlHoldsKey } from '../../src/core/registry/keyShape';
import type { ModelRow, PanelStage, TemplateInfo } from '../../src/shared/protocol';
import { modelTable, type ModelCheck } from '../components/model-table';
import { passedSummary } from '../format';
import { button, plainButton, submitButton, submitOnEnter } from '../components/button';
import { STAGE_NAMES, stageList } from '../components/stage-list';
import { act, request, Section } from '../section';
import { azureDraft, azureDraftBaseUrl, azureFields, namedDeployments, takeAzureUrl } from './azureFields';
import { announce, store, type WizardStep } from '../state';

/** The key typed in the wizard: in memory only (never in the view state or the markup), sent to the host and nowhere else. */
let typedKey = '';

/** Model ids the user typed on the model step, each with its one-token check (in memory, like the key the check used). */
let typedModels: Array<{ row: ModelRow; check: ModelCheck }> = [];

/** The add wizard: pick a provider, connect and test it, choose its models, save. */
export class WizardSection extends Section {
  /** The stages of the wizard's test while it runs. */
  #testing: PanelStage[] | undefined;
  #busy = false;
  /** A typed model id being checked. */
  #checking: string | undefined;

  override render(): TemplateResult {
    const state = store.state;
    if (!state) return html``;
    const wizard = store.saved.wizard;
    const template = state.templates.find((candidate) => candidate.id === wizard.template);
    const steps = ['Provider', 'Connect', 'Models'];
    const current = wizard.step === 'template' ? 0 : wizard.step === 'connect' ? 1 : wizard.step === 'models' ? 2 : 3;
    return html`<section id="wizard" aria-label="Add a provider">
      <ol class="steps">
        ${steps.map((name, index) => html`<li aria-current=${index === current ? 'step' : nothing} class=${index < current ? 'done' : ''}>${name}</li>`)}
      </ol>
      ${
        wizard.step === 'done'
          ? this.#done()
          : wizard.step === 'template' || !template
            ? this.#templates(state.templates)
            : wizard.step === 'connect'
              ? this.#connect(template)
              : this.#models(template)
      }
    </section>`;
  }

  #templates(templates: TemplateInfo[]): TemplateResult {
    const pick = (template: TemplateInfo) => {
      store.saved.wizard = { step: 'connect', template: template.id, baseUrl: template.baseUrl ?? '', selected: [] };
      typedKey = '';
      typedModels = [];
      store.changed();
      void this.updateComplete.then(() =>
        this.querySelector<HTMLElement>(template.key === 'none' ? '#base-url' : '#api-key')?.focus(),
      );
    };
    const detect = async () => {
      const answer = await act('detectLocal', {});
      if (answer && answer.found.length > 0) store.go('providers');
    };
    return html`<div>
      <h2>Which provider?</h2>
      <div class="templates" role="list">
        ${templates.map((template) => html`<div role="listitem">${plainButton(`${template.name}${template.local ? ' (on this machine)' : ''}`, () => pick(template), { className: 'template', id: `template-${template.id}`, title: template.local ? 'Runs on this machine; no key needed' : (template.baseUrl ?? 'Your endpoint') })}</div>`)}
      </div>
      <p class="muted">
        Running Ollama or LM Studio here?
        ${plainButton('Detect Local Providers', () => void detect(), { id: 'detect-local', className: 'link' })}
      </p>
    </div>`;
  }

  #connect(template: TemplateInfo): TemplateResult {
    const wizard = store.saved.wizard;
    const holdsKey = urlHoldsKey((wizard.baseUrl ?? '').trim());
    const key = typedKey.trim();
    const report = wizard.report;
    const failed = report?.stages.find((stage) => stage.status === 'fail');
    const submit = (event: Event) => {
      event.preventDefault();
      if (!this.#busy) void this.#testDraft(template);
    };
    const azure = template.id === 'azure-openai' ? azureDraft(template.apiVersion ?? '') : undefined;
    return html`<form class="connect" novalidate @submit=${submit} @keydown=${submitOnEnter}>
      <h2>Connect ${template.name}</h2>
      ${azure ? azureFields(azure, () => this.requestUpdate()) : this.#baseUrlField(template, holdsKey)}
      ${
        template.key === 'none'
          ? nothing
          : html` <label for="api-key"
                >${template.key === 'optional' ? 'API key (if the server asks for one)' : 'API key'}</label
              >
              <!-- The property, never the attribute: the key must not appear in the page's markup. -->
              <input
                id="api-key"
                type="password"
                autocomplete="off"
                spellcheck="false"
                placeholder=${template.keyPrefix ? `${template.keyPrefix}…` : ''}
                aria-describedby="key-hint"
                .value=${typedKey}
                @input=${(event: Event) => {
                  typedKey = (event.target as HTMLInputElement).value;
                  this.requestUpdate();
                }}
              />
              <p id="key-hint" class="hint">
                ${template.keyPrefix && key && !key.startsWith('${') && !key.startsWith(template.keyPrefix) ? html`<span class="warning">${template.name} keys usually start with "${template.keyPrefix}". </span>` : nothing}Kept
                in VS Code's secret storage and sent only to this address.
                ${template.keyUrl ? html`<a href=${template.keyUrl}>Where to find your key</a>` : nothing}
              </p>`
      }
      <label for="provider-name">Name (optional)</label>
      <input
        id="provider-name"
        type="text"
        .value=${wizard.name ?? ''}
        placeholder=${template.name}
        @input=${(event: Event) => {
          wizard.name = (event.target as HTMLInputElement).value.trim() || undefined;
          store.changed();
        }}
      />
      <div class="actions">
        ${button('Back', () => this.#back('template'))}
        ${submitButton(this.#busy ? 'Testing…' : 'Test Connection', 'test-draft', this.#busy)}
        ${/* A ${env:…} key is read where it is used: such a provider is saved first and tested from its card. */ key.startsWith('${env:') ? button('Save Without Testing', () => void this.#save(template), { id: 'save-untested' }) : nothing}
      </div>
      ${this.#testing ? stageList(this.#testing) : report ? stageList(report.stages) : nothing}
      ${
        failed && !report?.suggestedBaseUrl
          ? html`<div class="fix" role="alert">
              <p>${STAGE_NAMES[failed.stage]} failed: ${failed.message.replace(/\.?$/, '.')}</p>
              ${
                failed.stage === 'models'
                  ? html`<p>
                      Many proxies and gateways do not list their models. Type the IDs of the models you use instead:
                      each is checked with a one-token request.
                      ${button('Type Model IDs', () => this.#typeModelIds(), { id: 'type-model-ids' })}
                    </p>`
                  : nothing
              }
              ${
                failed.detail
                  ? html`<details class="server-said">
                      <summary>What the server sent</summary>
                      <pre>${failed.detail}</pre>
                    </details>`
                  : nothing
              }
            </div>`
          : nothing
      }
      ${
        report?.suggestedBaseUrl
          ? html`<p class="fix">
              ${report.suggestedBaseUrl} works.
              ${button(
                `Use ${report.suggestedBaseUrl}`,
                () => {
                  if (azure) takeAzureUrl(azure, report.suggestedBaseUrl!);
                  else wizard.baseUrl = report.suggestedBaseUrl;
                  store.changed();
                  void this.#testDraft(template);
                },
                { id: 'use-suggested' },
              )}
            </p>`
          : nothing
      }
    </form>`;
  }

  #baseUrlField(template: TemplateInfo, holdsKey: boolean): TemplateResult {
    const wizard = store.saved.wizard;
    return html`<label for="base-url">Base URL</label>
      <input
        id="base-url"
        type="url"
        .value=${wizard.baseUrl ?? ''}
        required
        spellcheck="false"
        aria-describedby="base-url-hint"
        aria-invalid=${holdsKey ? 'true' : 'false'}
        @input=${(event: Event) => {
          wizard.baseUrl = (event.target as HTMLInputElement).value.trim();
          store.changed();
        }}
      />
      <!-- Said as it is typed: a key pasted into the address is refused on saving (and by the host) anyway. -->
      <p id="base-url-hint" class="hint">
        ${holdsKey ? html`<span class="warning">${KEY_IN_BASE_URL}</span>` : template.local ? 'Where the server listens on this machine.' : "Prefilled with the provider's documented address; change it for a proxy or gateway."}
      </p>`;
  }

  async #testDraft(template: TemplateInfo): Promise<void> {
    const wizard = store.saved.wizard;
    const azure = wizard.azure && template.id === 'azure-openai' ? wizard.azure : undefined;
    if (!wizard.baseUrl) return store.showError(azure ? 'Enter the resource endpoint.' : 'Enter the base URL.');
    if (template.key === 'required' && !typedKey.trim()) return store.showError('Enter the API key.');
    const deployments = azure ? namedDeployments(azure) : [];
    if (azure?.form === 'deployment' && deployments.length === 0)
      return store.showError('Name a deployment: Azure answers at a deployment, and does not list them.');
    this.#busy = true;
    wizard.report = undefined;
    announce(`Testing ${template.name}…`);
    const live: PanelStage[] = [];
    this.#testing = live;
    this.requestUpdate();
    try {
      const report = await request(
        'testDraft',
        { ...this.#draft(template), ...(deployments.length > 0 ? { deployments } : {}) },
        (stage) => {
          live.push(stage);
          this.requestUpdate();
        },
      );
      wizard.report = report;
      const failed = report.stages.find((stage) => stage.status === 'fail');
      announce(
        report.ok
          ? `${template.name} works: ${report.models?.length ?? 0} models listed.`
          : `Test failed at ${failed ? STAGE_NAMES[failed.stage] : 'a stage'}: ${failed?.message ?? ''}`,
      );
      if (report.ok) {
        wizard.step = 'models';
        const models = report.models ?? [];
        // The template's recommended model where the provider lists it; Azure's deployments that answered, all.
        const preselected = report.deployments
          ? models
          : models.filter((model) => model.id === report.recommendedModel);
        wizard.selected = (preselected.length > 0 ? preselected : models.slice(0, 1)).map((model) => model.id);
        wizard.defaultModel = wizard.selected[0];
        // A deployment that did not answer stays on the list, to be saved only if the user insists.
        typedModels = (report.deployments ?? [])
          .filter((deployment) => !deployment.ok)
          .map((deployment) => ({
            row: { id: deployment.id, priceSource: 'unknown', capabilities: [] },
            check: { ok: false, message: deployment.message, insisted: false },
          }));
      }
    } catch (error) {
      store.errorText = (error as Error).message;
    } finally {
      this.#busy = false;
      this.#testing = undefined;
      store.changed();
    }
  }

  /** An endpoint without a model list: on to the model step, where ids are typed and checked. */
  #typeModelIds(): void {
    const wizard = store.saved.wizard;
    wizard.step = 'models';
    wizard.selected = typedModels.filter((typed) => typed.check.ok).map((typed) => typed.row.id);
    wizard.defaultModel = wizard.selected[0];
    store.changed();
    void this.updateComplete.then(() => this.querySelector<HTMLElement>('#model-id')?.focus());
  }

  /** Checks a typed model id with a one-token request on the draft; one that answers is ticked. */
  async #checkTyped(template: TemplateInfo, field: HTMLInputElement): Promise<void> {
    const wizard = store.saved.wizard;
    const model = field.value.trim();
    if (!model) return store.showError('Type a model ID.');
    if (this.#checking) return;
    this.#checking = model;
    announce(`Checking ${model}…`);
    this.requestUpdate();
    try {
      const result = await request('checkDraftModel', { ...this.#draft(template), model });
      const check: ModelCheck = { ok: result.ok, message: result.stage.message, insisted: false };
      typedModels = [...typedModels.filter((typed) => typed.row.id !== model), { row: result.model, check }];
      if (result.ok && !wizard.selected.includes(model)) wizard.selected = [...wizard.selected, model];
      if (!result.ok) wizard.selected = wizard.selected.filter((id) => id !== model);
      if (result.ok) wizard.defaultModel ??= model;
      field.value = '';
      announce(result.ok ? `${model} answered.` : `${model} did not answer: ${result.stage.message}`);
    } catch (error) {
      store.errorText = (error as Error).message;
    } finally {
      this.#checking = undefined;
      store.changed();
    }
  }

  #models(template: TemplateInfo): TemplateResult {
    const wizard = store.saved.wizard;
    const listed = wizard.report?.models ?? [];
    // Typed ids follow the listed models (one the list has already is only marked as checked).
    const models = [
      ...listed,
      ...typedModels.filter((typed) => !listed.some((model) => model.id === typed.row.id)).map((typed) => typed.row),
    ];
    const checks = Object.fromEntries(typedModels.map((typed) => [typed.row.id, typed.check]));
    const filter = (wizard.filter ?? '').toLowerCase();
    const shown = models.filter(
      (model) => !filter || model.id.toLowerCase().includes(filter) || model.name?.toLowerCase().includes(filter),
    );
    return html`<div class="models">
      <h2>${template.name}: choose models</h2>
      ${
        wizard.report
          ? html`<details class="test-summary">
              <summary>
                ${
                  wizard.report.ok
                    ? passedSummary(wizard.report.stages)
                    : `Connection test: the model list failed (${wizard.report.stages.find((stage) => stage.status === 'fail')?.message ?? 'see the stages'})`
                }
              </summary>
              ${stageList(wizard.report.stages)}
            </details>`
          : nothing
      }
      <p class="muted">
        ${wizard.report?.deployments ? `${listed.length} of ${wizard.report.deployments.length} deployments answered.` : listed.length > 0 ? `${listed.length} models listed.` : 'This endpoint lists no models: type the IDs of those you use.'}
        Ticked models appear in VS Code's model picker, in @switchboard and in the fallback chain. The default is this
        provider's own; it becomes your default model only if you have none yet.
      </p>
      <input
        id="model-search"
        type="search"
        .value=${wizard.filter ?? ''}
        placeholder="Filter models"
        aria-label="Filter models"
        @input=${(event: Event) => {
          wizard.filter = (event.target as HTMLInputElement).value;
          store.changed();
        }}
      />
      ${
        models.length > 0
          ? modelTable(shown, {
              selected: wizard.selected,
              defaultModel: wizard.defaultModel,
              checks,
              onSaveAnyway: (model) => {
                const typed = typedModels.find((item) => item.row.id === model);
                if (typed) typed.check = { ...typed.check, insisted: true };
                if (!wizard.selected.includes(model)) wizard.selected = [...wizard.selected, model];
                wizard.defaultModel ??= model;
                store.changed();
              },
              onUse: (model, used) => {
                wizard.selected = used ? [...wizard.selected, model] : wizard.selected.filter((id) => id !== model);
                if (!used && wizard.defaultModel === model) wizard.defaultModel = wizard.selected[0];
                if (used && !wizard.defaultModel) wizard.defaultModel = model;
                store.changed();
              },
              onDefault: (model) => {
                wizard.defaultModel = model;
                if (!wizard.selected.includes(model)) wizard.selected = [...wizard.selected, model];
                store.changed();
              },
            })
          : nothing
      }
      <form
        class="type-model"
        novalidate
        @keydown=${submitOnEnter}
        @submit=${(event: Event) => {
          event.preventDefault();
          const field = this.querySelector<HTMLInputElement>('#model-id');
          if (field) void this.#checkTyped(template, field);
        }}
      >
        <label for="model-id"
          >${template.id === 'azure-openai' ? 'Another deployment' : listed.length > 0 ? 'A model that is not listed' : 'Model ID'}</label
        >
        <input
          id="model-id"
          type="text"
          spellcheck="false"
          autocomplete="off"
          placeholder=${template.id === 'azure-openai' ? 'deployment name' : 'e.g. gpt-4o'}
          aria-describedby="model-id-hint"
        />
        ${submitButton(this.#checking ? 'Checking…' : 'Check Model', 'check-model', this.#checking !== undefined)}
        <p id="model-id-hint" class="hint">Checked with a one-token request before it is saved.</p>
      </form>
      <div class="actions">
        ${button('Back', () => this.#back('connect'))}
        ${button(this.#busy ? 'Saving…' : 'Save Provider', () => void this.#save(template), { look: 'primary', id: 'save-provider', disabled: this.#busy || wizard.selected.length === 0 })}
      </div>
    </div>`;
  }

  async #save(template: TemplateInfo): Promise<void> {
    const wizard = store.saved.wizard;
    this.#busy = true;
    this.requestUpdate();
    try {
      // The model each deployment runs, as the test found it or the user said it.
      const rows = [...(wizard.report?.models ?? []), ...typedModels.map((typed) => typed.row)];
      const baseModels = Object.fromEntries(
        rows.flatMap((row) => (row.baseModel && wizard.selected.includes(row.id) ? [[row.id, row.baseModel]] : [])),
      );
      const { providerId } = await request('addProvider', {
        ...this.#draft(template),
        ...(wizard.name ? { name: wizard.name } : {}),
        models: wizard.selected,
        ...(wizard.defaultModel ? { defaultModel: wizard.defaultModel } : {}),
        ...(Object.keys(baseModels).length > 0 ? { baseModels } : {}),
      });
      typedKey = '';
      typedModels = [];
      store.saved.wizard = { step: 'done', selected: [], added: providerId };
      announce('Saved.');
    } catch (error) {
      store.errorText = (error as Error).message;
    } finally {
      this.#busy = false;
      store.changed();
    }
  }

  /** What identifies the draft to the host: template, base URL, key, and (Azure's deployment form) the API version. */
  #draft(template: TemplateInfo): { template: string; baseUrl: string; apiKey?: string; apiVersion?: string } {
    const wizard = store.saved.wizard;
    const azure = template.id === 'azure-openai' ? wizard.azure : undefined;
    return {
      template: template.id,
      baseUrl: azure ? azureDraftBaseUrl(azure) : (wizard.baseUrl ?? ''),
      ...(typedKey.trim() ? { apiKey: typedKey.trim() } : {}),
      ...(azure?.form === 'deployment' && azure.apiVersion ? { apiVersion: azure.apiVersion } : {}),
    };
  }

  #done(): TemplateResult {
    const added = store.state?.providers.find((card) => card.id === store.saved.wizard.added);
    return html`<div class="done" role="status">
      <h2>${added?.name ?? 'The provider'} is ready</h2>
      <p>
        ${
          added?.isDefault && added.defaultModel
            ? `Ask @switchboard in the chat: it answers with ${added.defaultModel}, and says what each answer cost.`
            : added?.defaultModel
              ? `Its models are in VS Code's model picker and can join the fallback chain. Your default model is unchanged: pick ${added.defaultModel} in the chat's model picker, or use Make Default on its card.`
              : 'Ask @switchboard in the chat.'
        }
      </p>
      <div class="actions">
        ${button('Ask @switchboard', () => void act('openChat', {}), { look: 'primary', id: 'open-chat' })}
        ${button(
          'See Providers',
          () => {
            store.saved.wizard = { step: 'template', selected: [] };
            store.go('providers');
          },
          { id: 'see-providers' },
        )}
        ${button('Add Another', () => this.#back('template'))}
      </div>
    </div>`;
  }

  #back(step: WizardStep): void {
    const wizard = store.saved.wizard;
    if (step === 'template') {
      store.saved.wizard = { step, selected: [] };
      typedModels = [];
    } else wizard.step = step;
    store.changed();
  }
}
customElements.define('sb-wizard', WizardSection);

/** The key is never kept in the view state: a wizard restored past the key step goes back for it. */
export function restoreWizard(): void {
  const wizard = store.saved.wizard;
  if (wizard.step === 'models' && wizard.template !== undefined) {
    wizard.step = 'connect';
    wizard.report = undefined;
    store.errorText = 'Test again to go on: a key you typed is never kept while the panel is hidden.';
  }
}
