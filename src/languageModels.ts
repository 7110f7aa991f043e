import * as vscode from 'vscode';

export const LANGUAGE_MODEL_VENDOR = 'switchboard';

/**
 * Offers the user's models to VS Code's model picker and to other extensions (vendor `switchboard`).
 * With no provider connected there are no models to offer.
 */
class SwitchboardLanguageModels implements vscode.LanguageModelChatProvider {
  provideLanguageModelChatInformation(): vscode.LanguageModelChatInformation[] {
    return [];
  }

  provideLanguageModelChatResponse(model: vscode.LanguageModelChatInformation): Thenable<void> {
    return Promise.reject(new Error(`Switchboard has no model "${model.id}". Connect a provider first.`));
  }

  provideTokenCount(model: vscode.LanguageModelChatInformation): Thenable<number> {
    return Promise.reject(new Error(`Switchboard has no model "${model.id}".`));
  }
}

export function registerLanguageModels(): vscode.Disposable {
  return vscode.lm.registerLanguageModelChatProvider(LANGUAGE_MODEL_VENDOR, new SwitchboardLanguageModels());
}
