import type * as vscode from 'vscode';
import type { SecretStore } from '../core';

const NAMESPACE = 'switchboard:';

/** The core's SecretStore over VS Code's SecretStorage, with every key namespaced to Switchboard. */
export class VscodeSecretStore implements SecretStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.secrets.get(NAMESPACE + key));
  }

  store(key: string, value: string): Promise<void> {
    return Promise.resolve(this.secrets.store(NAMESPACE + key, value));
  }

  delete(key: string): Promise<void> {
    return Promise.resolve(this.secrets.delete(NAMESPACE + key));
  }

  onDidChange(listener: (key: string) => void): vscode.Disposable {
    return this.secrets.onDidChange((event) => {
      if (event.key.startsWith(NAMESPACE)) listener(event.key.slice(NAMESPACE.length));
    });
  }
}
