import { randomUUID } from 'node:crypto';
import type * as vscode from 'vscode';
import * as z from '../core/zod';
import type { Logger, StageResult } from '../core';
import {
  parseMessage,
  webviewToHost,
  type HostToWebview,
  type PanelState,
  type PanelSection,
  type RequestName,
} from '../shared/protocol';
import { DraftTests } from './draftTests';
import type { Handler, Handlers, PanelServices } from './handler';
import { activityHandlers } from './handlers/activity';
import { budgetHandlers } from './handlers/budgets';
import { fallbackHandlers } from './handlers/fallback';
import { modelHandlers } from './handlers/models';
import { providerHandlers } from './handlers/providers';
import { usageHandlers } from './handlers/usage';
import { providerSettingsHandlers } from './handlers/providerSettings';
import { wizardHandlers } from './handlers/wizard';
import { panelStage } from './rows';
import { panelState } from './state';

/** Enough of a request to answer its id when the rest does not parse. */
const requestEnvelope = z.object({ type: z.literal('request'), id: z.int().check(z.nonnegative()) });

/** One handler per request, by section; the type makes sure none is missing. */
const handlers: Handlers<RequestName> = {
  ...providerHandlers,
  ...providerSettingsHandlers,
  ...wizardHandlers,
  ...modelHandlers,
  ...usageHandlers,
  ...budgetHandlers,
  ...fallbackHandlers,
  ...activityHandlers,
};

/**
 * The provider panel's host side, apart from the webview so it can be driven directly: every
 * message is untrusted input, parsed once with the protocol's schema; what does not parse, or names
 * a provider that is not there, is refused and logged, never acted on. Keys only ever arrive here.
 */
export class PanelController implements vscode.Disposable {
  /** Requests still running (a connection test), stopped when the panel goes away. */
  readonly #running = new Set<AbortController>();
  readonly #subscription: { dispose(): void };
  readonly #services: PanelServices;
  readonly #drafts = new DraftTests();
  /** This panel's own id: a change to a model is marked in the first view that shows it. */
  readonly #viewId = `panel-${randomUUID()}`;
  #statePending = false;
  /** The webview said `ready`: until then (and after a reload, until it says so again) nothing is posted. */
  #ready = false;
  #disposed = false;
  /** A section (and the provider it is for) to show once the webview is ready (the panel was opened for it). */
  #pendingShow: { section: PanelSection; providerId?: string } | undefined;

  readonly #log: Logger;

  constructor(
    services: PanelServices,
    private readonly version: string,
    private readonly post: (message: HostToWebview) => Thenable<boolean> | Promise<boolean>,
  ) {
    const { registry, cost, routing, settings } = services;
    this.#services = services;
    this.#log = services.log;
    const registryChanges = registry.onDidChange(() => this.#scheduleState());
    // Circuits and background checks (routing's circuits are rebuilt when their settings change).
    const circuitChanges = routing.onDidChangeHealth(() => this.#scheduleState());
    // A team gateway's figures on the providers' cards.
    const gatewayChanges = cost.gateways.onDidChange(() => this.#scheduleState());
    // Through the settings service, so the state is built after it has read the change.
    const fallbackChanges = settings.onDidChange(['fallback'], () => this.#scheduleState());
    // Budgets changed elsewhere (settings, the Set Budget command): a panel showing them asks again.
    const budgetChanges = settings.onDidChange(
      ['budgets'],
      () => this.#ready && void this.#send({ type: 'spendChanged' }),
    );
    // A request recorded here or in another window: a panel showing spend asks again (at most once a second).
    let spendTimer: ReturnType<typeof setTimeout> | undefined;
    const records = cost.ledger.onDidChange(() => {
      spendTimer ??= setTimeout(() => {
        spendTimer = undefined;
        if (this.#ready) void this.#send({ type: 'spendChanged' });
      }, 1000);
    });
    this.#subscription = {
      dispose: () => {
        clearTimeout(spendTimer);
        registryChanges.dispose();
        circuitChanges.dispose();
        gatewayChanges.dispose();
        fallbackChanges.dispose();
        budgetChanges.dispose();
        records.dispose();
      },
    };
  }

  /** Handles one message from the webview; resolves once it is answered (tests await it). */
  /** Handles one message from the webview; never rejects (a failure is logged, and answered where it has an id). */
  receive(raw: unknown): Promise<void> {
    return this.#receive(raw).catch((error: unknown) =>
      this.#log.error('panel: a message could not be handled', error),
    );
  }

  async #receive(raw: unknown): Promise<void> {
    const parsed = parseMessage(webviewToHost, raw);
    if (!parsed.ok) {
      this.#log.warn(`panel: refused a malformed message (${parsed.error})`);
      // A request whose id is readable gets its refusal, so the panel does not wait forever (field names only, never values).
      const envelope = requestEnvelope.safeParse(raw);
      if (envelope.success)
        await this.#send({
          type: 'error',
          id: envelope.data.id,
          error: `Switchboard refused the request: ${parsed.error}`,
        });
      return;
    }
    const message = parsed.message;
    if (message.type === 'ready') {
      // A reloaded webview: what the previous one started is nobody's now.
      this.#abortRunning();
      this.#ready = true;
      await this.#send({ type: 'state', state: await this.state() });
      if (this.#pendingShow) await this.#send({ type: 'show', ...this.#pendingShow });
      this.#pendingShow = undefined;
      return;
    }
    const { id, name, params } = message;
    const controller = new AbortController();
    this.#running.add(controller);
    const onStage = (stage: StageResult) => void this.#send({ type: 'stage', id, stage: panelStage(stage) });
    try {
      // The message parsed against its name's params: the handler gets exactly what it declares.
      const handler: Handler<RequestName> = handlers[name];
      const result = await handler(params, {
        ...this.#services,
        drafts: this.#drafts,
        viewId: this.#viewId,
        signal: controller.signal,
        onStage,
      });
      await this.#send({ type: 'reply', id, result });
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.#log.warn(`panel: ${name} failed: ${text}`);
      await this.#send({ type: 'error', id, error: text });
    } finally {
      this.#running.delete(controller);
    }
  }

  /** Brings a section forward (Provider Settings on `providerId`) now, or as soon as the webview is ready. */
  show(section: PanelSection, providerId?: string): void {
    const show = { section, ...(providerId !== undefined ? { providerId } : {}) };
    if (this.#ready) void this.#send({ type: 'show', ...show });
    else this.#pendingShow = show;
  }

  /** A hidden panel's webview is torn down (no retainContextWhenHidden): nothing is posted until it says `ready` again. */
  hidden(): void {
    this.#ready = false;
  }

  /** What the panel shows: every provider as a card (keys as masks only) and the templates for the wizard. */
  state(): Promise<PanelState> {
    return panelState(this.#services, this.version);
  }

  /** Posts unless the panel is gone; a failed post (the webview closing) is logged, not thrown. */
  async #send(message: HostToWebview): Promise<void> {
    if (this.#disposed) return;
    try {
      await this.post(message);
    } catch (error) {
      this.#log.warn('panel: could not post to the webview', error);
    }
  }

  #abortRunning(): void {
    for (const controller of this.#running) controller.abort();
    this.#running.clear();
  }

  /** One state message for a burst of registry changes. */
  #scheduleState(): void {
    if (this.#statePending || !this.#ready) return;
    this.#statePending = true;
    queueMicrotask(() => {
      this.#statePending = false;
      void this.state()
        .then((state) => this.#send({ type: 'state', state }))
        .catch((error: unknown) => this.#log.error('panel: could not send the state', error));
    });
  }

  dispose(): void {
    this.#disposed = true;
    this.#abortRunning();
    this.#subscription.dispose();
  }
}
