import * as vscode from 'vscode';
import type { Handlers } from '../handler';

/** The fallback section: the models to try after the default, in order. */
export const fallbackHandlers: Handlers<'saveFallback'> = {
  async saveFallback({ steps }, { registry }) {
    const unknown = steps.find((step) => !registry.get(step.provider));
    if (unknown) throw new Error(`No provider "${unknown.provider}".`);
    await vscode.workspace
      .getConfiguration('switchboard.fallback')
      .update('chain', steps, vscode.ConfigurationTarget.Global);
    await registry.noteFallbackChange(
      `chain set in the panel: ${steps.map((step) => `${step.provider}/${step.model}`).join(' → ') || 'none'}`,
    );
    return null;
  },
};
