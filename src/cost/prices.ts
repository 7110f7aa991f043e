import * as vscode from 'vscode';
import {
  PriceCatalog,
  systemClock,
  type Logger,
  type PriceDataCache,
  type PriceDataState,
  type RefreshOutcome,
} from '../core';
import { Commands, type CommandTable } from '../platform/commands';
import type { Dialogs } from '../platform/dialogs';
import type { Settings } from '../platform/settings';

/** The downloaded price data, in globalStorageUri: shared by every window of the profile. */
const CACHE_FILE = 'price-data.json';
/** The first look after startup waits this long: activation and the first minute belong to the user. */
const FIRST_LOOK_MS = 30_000;
/** How often a window looks whether the data is a day old (a look downloads only then). */
const LOOK_EVERY_MS = 60 * 60 * 1000;

/** The cache as a file; written to a temporary name first, so a reader never sees half of it. */
function fileCache(folder: vscode.Uri): PriceDataCache {
  const file = vscode.Uri.joinPath(folder, CACHE_FILE);
  return {
    async read() {
      try {
        return new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
      } catch (error) {
        if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') return undefined;
        throw error;
      }
    },
    async write(text) {
      await vscode.workspace.fs.createDirectory(folder);
      const temporary = vscode.Uri.joinPath(folder, `${CACHE_FILE}.${process.pid}.tmp`);
      await vscode.workspace.fs.writeFile(temporary, new TextEncoder().encode(text));
      await vscode.workspace.fs.rename(temporary, file, { overwrite: true });
    },
  };
}

/**
 * Keeps prices current: the day's data from the maintained price file (or the user's mirror),
 * looked for at most once a day, and on demand with Refresh Prices. Off with `switchboard.prices.update`.
 */
export class PriceUpdates implements vscode.Disposable {
  #catalog: PriceCatalog;
  readonly #timers: Array<ReturnType<typeof setTimeout>> = [];
  readonly #subscription: vscode.Disposable;
  readonly #changed = new vscode.EventEmitter<void>();
  #catalogSubscription: { dispose(): void } | undefined;
  /** Fires when the price data in use changes (a download, the cache read, another address). */
  readonly onDidChange = this.#changed.event;

  constructor(
    private readonly storage: vscode.Uri,
    private readonly settings: Settings,
    private readonly log: Logger,
  ) {
    this.#catalog = this.#build();
    this.#subscription = settings.onDidChange(['prices'], () => {
      // Another address is another catalog: its own cache, looked at when a price is next needed.
      this.#catalog = this.#build();
      this.#changed.fire();
      if (this.settings.current.prices.update) void this.#catalog.refresh();
    });
    this.#timers.push(
      setTimeout(() => this.#look(), FIRST_LOOK_MS),
      setInterval(() => this.#look(), LOOK_EVERY_MS),
    );
  }

  get catalog(): PriceCatalog {
    return this.#catalog;
  }

  /** The price data in use: bundled, or downloaded (and when). */
  get state(): PriceDataState {
    return this.#catalog.state;
  }

  /** Downloads the price data now, whatever its age (the user asked). */
  refreshNow(signal?: AbortSignal): Promise<RefreshOutcome> {
    return this.#catalog.refresh({ force: true, ...(signal ? { signal } : {}) });
  }

  #build(): PriceCatalog {
    const { url } = this.settings.current.prices;
    const catalog = new PriceCatalog({
      // The extension host's fetch: VS Code patches it for proxies, PAC and OS certificates.
      fetch: globalThis.fetch,
      clock: systemClock,
      cache: fileCache(this.storage),
      log: this.log,
      ...(url ? { url } : {}),
    });
    catalog.loadBeforeFirstPrice();
    this.#catalogSubscription?.dispose();
    this.#catalogSubscription = catalog.onDidChange(() => this.#changed.fire());
    return catalog;
  }

  #look(): void {
    if (this.settings.current.prices.update) void this.#catalog.refresh();
  }

  dispose(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#subscription.dispose();
    this.#catalogSubscription?.dispose();
    this.#changed.dispose();
  }
}

/** Refresh Prices. */
export function priceCommands(prices: PriceUpdates, dialogs: Dialogs): CommandTable {
  return {
    [Commands.refreshPrices]: async function refreshPrices() {
      const outcome = await dialogs.progress('Downloading current prices…', true, (_progress, signal) =>
        prices.refreshNow(signal),
      );
      const state = prices.catalog.state;
      if (outcome.status === 'failed') {
        void dialogs.warn(`${outcome.message ?? 'The prices could not be refreshed.'} Prices stay as they were.`);
        return outcome;
      }
      void dialogs.info(
        outcome.status === 'updated'
          ? `Prices updated: data of ${state.date}.`
          : `Prices checked: nothing changed since ${state.date}.`,
      );
      return outcome;
    },
  };
}
