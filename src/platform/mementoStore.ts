import type * as vscode from 'vscode';
import type { KeyValueStore } from '../core';

/** The core's KeyValueStore over a Memento (globalState, which Switchboard does not sync). */
export class MementoStore implements KeyValueStore {
  constructor(private readonly memento: vscode.Memento) {}

  get<T>(key: string): T | undefined {
    return this.memento.get<T>(key);
  }

  update(key: string, value: unknown): Promise<void> {
    return Promise.resolve(this.memento.update(key, value));
  }

  keys(): readonly string[] {
    return this.memento.keys();
  }
}
