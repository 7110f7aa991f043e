import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { SharedStore } from '../core';

/** A lock older than this is from a window that died holding it (a change takes milliseconds). */
const STALE_MS = 10_000;
/** A lock whose process is gone is stale sooner, once it is this old (a process id can be reused later). */
const DEAD_OWNER_MS = 1_000;
/** How long a change waits for the lock before it fails. */
const WAIT_MS = 10_000;

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;
/** What Windows answers while a virus scanner or indexer holds a file for a moment: worth a few more tries. */
const BUSY = new Set(['EPERM', 'EBUSY', 'EACCES']);
const HOST = hostname();

async function retryWhileBusy<T>(action: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      if (!BUSY.has(codeOf(error) ?? '') || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
    }
  }
}

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return codeOf(error) === 'ESRCH';
  }
}

/**
 * The core's SharedStore as one JSON file that every window's extension host on this machine opens
 * (globalStorageUri is one folder for all of them, also in code-server with several tabs).
 *
 * Changes take an exclusive-create lock file (`open(…, 'wx')`) beside it, written with the owner's
 * process id and a token; a lock older than STALE_MS, or whose process is gone, is broken, and a
 * holder checks it still owns the lock before it replaces the document. The file
 * is replaced by rename, so a reader never sees half a document. Nothing global is patched:
 * `proper-lockfile` would load graceful-fs, which patches `fs` for every extension in the host.
 */
export class FileSharedStore implements SharedStore {
  readonly #file: string;
  readonly #lock: string;
  readonly #onDamaged: (keptAs: string) => void;
  /** This window's changes, one at a time (the lock is for other windows). */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(file: string, onDamaged: (keptAs: string) => void = () => undefined) {
    this.#file = file;
    this.#lock = `${file}.lock`;
    this.#onDamaged = onDamaged;
  }

  update<T>(change: (document: unknown) => { document: unknown; result: T }): Promise<T> {
    const run = async () => {
      const token = await this.#acquire();
      try {
        const { document, result } = change(await this.#readForChange());
        const temporary = `${this.#file}.${token}.tmp`;
        try {
          // Flushed to disk before it replaces the document: a power cut leaves the old one or the new one.
          const handle = await open(temporary, 'w');
          try {
            await handle.writeFile(JSON.stringify(document));
            await handle.sync();
          } finally {
            await handle.close();
          }
          // Still ours? A window paused past STALE_MS (a debugger, a sleeping laptop) may have lost it.
          if (!(await this.#owns(token)))
            throw new Error(`Switchboard lost the lock on ${this.#file} while changing it; nothing was written.`);
          await retryWhileBusy(() => rename(temporary, this.#file));
        } finally {
          await rm(temporary, { force: true });
        }
        return result;
      } finally {
        await this.#release(token);
      }
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async read(): Promise<unknown> {
    try {
      return JSON.parse(await readFile(this.#file, 'utf8')) as unknown;
    } catch (error) {
      // Missing: nothing shared yet. Damaged: the next change keeps it aside and starts again.
      if (codeOf(error) === 'ENOENT' || error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  async #readForChange(): Promise<unknown> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      const keptAs = `${this.#file}.damaged-${Date.now()}`;
      await rename(this.#file, keptAs);
      this.#onDamaged(keptAs);
      return undefined;
    }
  }

  async #acquire(): Promise<string> {
    const token = randomUUID();
    const deadline = Date.now() + WAIT_MS;
    let delay = 2;
    await mkdir(dirname(this.#lock), { recursive: true });
    for (;;) {
      try {
        const handle = await open(this.#lock, 'wx');
        try {
          await handle.writeFile(`${process.pid} ${HOST} ${token}`);
        } finally {
          await handle.close();
        }
        return token;
      } catch (error) {
        // EPERM: Windows, while another window's lock file is being removed.
        if (codeOf(error) !== 'EEXIST' && !BUSY.has(codeOf(error) ?? '')) throw error;
      }
      if (await this.#breakIfStale(token)) continue;
      if (Date.now() > deadline) throw new Error(`Another window has held ${this.#lock} for over ${WAIT_MS / 1000} s.`);
      await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
      delay = Math.min(delay * 2, 50);
    }
  }

  /** Breaks a lock left by a window that died holding it; true when the lock is gone now. */
  async #breakIfStale(token: string): Promise<boolean> {
    try {
      // The text first, then its age: read the other way round, an old lock's age could be paired with
      // the text of a lock taken in between, and that fresh lock broken.
      const text = await readFile(this.#lock, 'utf8');
      const age = Date.now() - (await stat(this.#lock)).mtimeMs;
      const [pidText, host] = text.split(' ');
      const pid = Number(pidText);
      // A process id says something only on this machine (a home folder can be shared between machines).
      const ownerGone = host === HOST && Number.isInteger(pid) && pid > 0 && processGone(pid);
      if (age < STALE_MS && !(age > DEAD_OWNER_MS && ownerGone)) return false;
      // Moved away, then checked: another window may have broken the same lock and taken a fresh one
      // in between. A fresh one is put back (link fails rather than replace a newer lock); its owner
      // checks it still holds the lock before writing, so a lock lost this way only costs a retry.
      const moved = `${this.#lock}.stale-${token}`;
      await rename(this.#lock, moved);
      if ((await readFile(moved, 'utf8')) !== text) await link(moved, this.#lock).catch(() => undefined);
      await rm(moved, { force: true });
      return true;
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return true;
      if (BUSY.has(codeOf(error) ?? '')) return false;
      throw error;
    }
  }

  async #owns(token: string): Promise<boolean> {
    try {
      return (await readFile(this.#lock, 'utf8')).endsWith(` ${token}`);
    } catch {
      return false;
    }
  }

  async #release(token: string): Promise<void> {
    // Only our own: a lock broken as stale and taken by another window is theirs now.
    if (await this.#owns(token)) await rm(this.#lock, { force: true });
  }
}
