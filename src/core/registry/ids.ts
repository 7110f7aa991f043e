/**
 * Rules for model ids wherever they enter. Plain code with no dependencies: the panel's webview
 * checks its fields with it too.
 */

export const MODEL_ID_MAX = 200;

/** The longest budget id, wherever one enters (settings, the panel's save and remove): one limit for all. */
export const BUDGET_ID_MAX = 512;

/** C0 and C1 controls (DEL included): usage and budget keys join a provider and a model id with one. */
export function hasControlCharacter(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

export const CONTROL_CHARACTER_MESSAGE = 'must not hold control characters';
