// Shared by the tests that run inside the extension host.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestingApi } from '../../src/extension';

export const EXTENSION_ID = 'switchboard-dev.switchboard';

export function extension(): vscode.Extension<{ testing: TestingApi } | undefined> {
  const found = vscode.extensions.getExtension<{ testing: TestingApi } | undefined>(EXTENSION_ID);
  assert.ok(found, `${EXTENSION_ID} is not installed in this extension host`);
  return found;
}

/** The testing API the extension hands out in ExtensionMode.Test only. */
export async function testingApi(): Promise<TestingApi> {
  const exports = await extension().activate();
  assert.ok(exports?.testing, 'the testing API is handed out in ExtensionMode.Test');
  return exports.testing;
}

export async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
