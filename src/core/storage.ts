/**
 * The storage the core needs, as small interfaces the host implements
 * (in VS Code: SecretStorage and globalState). The core never sees `vscode`.
 */
export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  store(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Fires with the key whose value changed, also when another window changed it. */
  onDidChange(listener: (key: string) => void): { dispose(): void };
}

export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Promise<void>;
  keys(): readonly string[];
}
