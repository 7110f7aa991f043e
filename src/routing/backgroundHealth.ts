import type * as vscode from 'vscode';
import {
  findTemplate,
  hasModelList,
  HealthChecker,
  systemClock,
  type Logger,
  type ProviderHealth,
  type Registry,
} from '../core';
import type { Settings } from '../platform/settings';

/**
 * The core's health checker with VS Code's settings: enabled providers, checked with their free
 * call (the model list, or OpenRouter's key status) every `switchboard.health.intervalMinutes`, restarted when the setting changes and stopped
 * (its verdicts forgotten) when `switchboard.health.enabled` is off. Each window checks for itself:
 * a model list every few minutes per provider is cheap, and a window never trusts another's verdict.
 */
export class BackgroundHealth implements vscode.Disposable {
  #checker: HealthChecker | undefined;
  #checkerListener: { dispose(): void } | undefined;
  readonly #subscriptions: vscode.Disposable[];

  constructor(
    private readonly registry: Registry,
    private readonly settings: Settings,
    private readonly log: Logger,
    private readonly changed: () => void,
  ) {
    this.#subscriptions = [settings.onDidChange(['health'], () => this.#restart())];
    this.#restart();
  }

  /** What is known of an enabled provider; undefined while checks are off or for a disabled one. */
  status(providerId: string): ProviderHealth | undefined {
    return this.#checker?.status(providerId);
  }

  failing(providerId: string): boolean {
    return this.#checker?.failing(providerId) === true;
  }

  /** Checks every enabled provider now (a test, or the user asking). */
  checkNow(): Promise<void> {
    return this.#checker?.runNow({ all: true }) ?? Promise.resolve();
  }

  #restart(): void {
    this.#stop();
    const { enabled, intervalMinutes } = this.settings.current.health;
    if (!enabled) {
      this.changed();
      return;
    }
    const checker = new HealthChecker({
      clock: systemClock,
      intervalMs: intervalMinutes * 60_000,
      targets: () =>
        this.registry
          .list()
          .filter((entry) => entry.enabled)
          .map((entry) => ({
            providerId: entry.id,
            ...(hasModelList(entry.type, entry.baseUrl)
              ? { freeCall: (options: { signal: AbortSignal }) => this.registry.freeCall(entry.id, options) }
              : {}),
            ...(findTemplate(entry.template ?? '')?.key === 'required'
              ? { keyMissing: () => this.#keyMissing(entry.id, entry.baseUrl) }
              : {}),
          })),
    });
    let last = new Map<string, string>();
    this.#checkerListener = checker.onDidChange(() => {
      // Said in the log when a provider's state changes, not at every check.
      const now = new Map(
        this.registry.list().flatMap((entry) => {
          const health = checker.status(entry.id);
          return health ? [[entry.id, health.state] as const] : [];
        }),
      );
      for (const [id, state] of now)
        if (last.get(id) !== undefined && last.get(id) !== state)
          this.log.info(
            `background check: ${id} is now ${state}${state === 'failing' ? ` (${checker.status(id)?.error ?? ''})` : ''}`,
          );
      last = now;
      this.changed();
    });
    this.#checker = checker;
    checker.start();
  }

  /** No key, or one saved for another address (it is not sent there). */
  async #keyMissing(providerId: string, baseUrl: string): Promise<boolean> {
    const key = await this.registry.keyState(providerId);
    return !key.hasKey || key.origin !== new URL(baseUrl).origin;
  }

  #stop(): void {
    this.#checkerListener?.dispose();
    this.#checker?.stop();
    this.#checker = undefined;
  }

  dispose(): void {
    this.#stop();
    for (const subscription of this.#subscriptions.splice(0)) subscription.dispose();
  }
}
