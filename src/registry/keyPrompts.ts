import * as vscode from 'vscode';
import { findTemplate } from '../core';
import type { Dialogs } from '../platform/dialogs';

// How a key is asked for and taken when a provider is added (the palette's add flows).

/** A key that runs a command can only be typed by the user, never passed in by another extension or a link. */
export function refuseCommandReference(key: string): string {
  if (key.trim().startsWith('${command:'))
    throw new Error('A ${command:…} key can only be entered by hand, in Switchboard: Set API Key.');
  return key;
}

/** The key, typed into a password box: its template's key page and usual prefix as hints. */
export async function askForKey(
  dialogs: Dialogs,
  templateId: string | undefined,
  name: string,
): Promise<string | undefined> {
  const template = findTemplate(templateId ?? '');
  return dialogs.input({
    title: `API key for ${name}`,
    prompt: `Stored in VS Code's secret storage, sent only to this provider.${template?.keyUrl ? ` Get one at ${template.keyUrl}` : ''} You can also enter \${env:NAME}.`,
    password: true,
    ignoreFocusOut: true,
    placeHolder: template?.keyPrefix ? `${template.keyPrefix}…` : undefined,
    validateInput: (value) => {
      const key = value.trim();
      if (!key) return 'Enter a key.';
      if (template?.keyPrefix && !key.startsWith('${') && !key.startsWith(template.keyPrefix)) {
        return {
          message: `${template.name} keys usually start with "${template.keyPrefix}".`,
          severity: vscode.InputBoxValidationSeverity.Warning,
        };
      }
      return undefined;
    },
  });
}
