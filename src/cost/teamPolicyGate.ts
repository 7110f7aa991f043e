import type * as vscode from 'vscode';
import {
  effectiveDataPolicy,
  findTemplate,
  policyAllows,
  ProviderError,
  withDataPolicy,
  type ChatRequest,
  type Registry,
  type Surface,
} from '../core';
import type { Dialogs } from '../platform/dialogs';
import type { Settings } from '../platform/settings';

/** The models outside a team's list the user accepted, in this workspace. */
const ACCEPTED_KEY = 'switchboard.teamPolicyAccepted';
const WORKSPACE_FILE = '.vscode/switchboard.json';

/**
 * A team's policy at the moment a request leaves (every metered request passes here once): a model
 * outside the team's allowed list is sent only after the user accepted it in this workspace (asked
 * in @switchboard, refused where nobody can be asked), and OpenRouter's data policy (the team's,
 * tightened by the user's setting, never loosened) goes into the request body over the model's own.
 */
export class TeamPolicyGate {
  readonly #asking = new Map<string, Promise<boolean>>();

  constructor(
    private readonly registry: Registry,
    private readonly settings: Settings,
    private readonly workspaceState: vscode.Memento,
    private readonly dialogs: Dialogs,
  ) {}

  /** Resolves when the team allows the model or the user accepted it here; otherwise rejects with why and how to allow it. */
  async check(providerId: string, modelId: string, surface: Surface): Promise<void> {
    // A connection test checks the endpoint, not what the team lets this machine use.
    if (surface === 'connection-test' || policyAllows(this.registry.teamPolicy(), providerId, modelId)) return;
    const key = `${providerId}/${modelId}`;
    if (this.workspaceState.get<string[]>(ACCEPTED_KEY, []).includes(key)) return;
    const name = this.registry.get(providerId)?.name ?? providerId;
    const refusal = `The team's policy in ${WORKSPACE_FILE} does not allow ${modelId} on ${name}`;
    if (surface !== 'chat')
      throw new ProviderError(
        'bad_request',
        `${refusal}. To use it anyway, send one request with it from @switchboard and accept it there (once per workspace), or ask your team to add it to allowedModels.`,
        { code: 'team_policy_model' },
      );
    let asked = this.#asking.get(key);
    if (!asked) {
      asked = this.dialogs
        .confirm(
          `${refusal}. Use it anyway in this workspace?`,
          'Use Anyway',
          `Allowed: ${this.registry.teamPolicy()[providerId]?.allowedModels?.join(', ') ?? ''}. You are asked once per workspace.`,
        )
        .finally(() => this.#asking.delete(key));
      this.#asking.set(key, asked);
    }
    if (!(await asked))
      throw new ProviderError('bad_request', `${refusal}, and you chose not to use it.`, { code: 'team_policy_model' });
    const accepted = this.workspaceState.get<string[]>(ACCEPTED_KEY, []);
    if (!accepted.includes(key)) await this.workspaceState.update(ACCEPTED_KEY, [...accepted, key]);
  }

  /** The request with OpenRouter's data policy in its body, merged over the model's own extra body so that cannot lift it. */
  prepare(providerId: string, request: ChatRequest): ChatRequest {
    const entry = this.registry.get(providerId);
    if (findTemplate(entry?.template ?? '')?.modelListing !== 'openrouter') return request;
    const policy = effectiveDataPolicy(
      this.registry.teamPolicy()[providerId]?.dataPolicy,
      this.settings.current.openRouter.dataPolicy,
    );
    if (!policy.denyDataCollection && !policy.zeroDataRetention) return request;
    const own = entry?.models.find((model) => model.id === request.model)?.extraBody;
    const body = withDataPolicy({ ...own, ...request.providerOptions?.extraBody }, policy);
    return { ...request, providerOptions: { ...request.providerOptions, extraBody: body } };
  }
}
