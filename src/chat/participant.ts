import * as vscode from 'vscode';
import { modelKey, type Logger, type ModelRef } from '../core';
import { Commands, LANGUAGE_MODEL_VENDOR, registerCommands } from '../platform/commands';
import type { Services } from '../services';
import { afterActivation } from '../platform/afterActivation';
import { CHAT_PARTICIPANT_ID, type SwitchboardChatMetadata } from './metadata';

/** What the chat's pieces share in a window. */
export interface ChatSession {
  readonly services: Services;
  readonly log: Logger;
  /** The models last compared in this window: offered again by the next `/compare`. */
  lastCompared: ModelRef[] | undefined;
}

/**
 * `@switchboard` in VS Code's chat: streams the answer from the conversation's model through the
 * fallback chain and the budgets, says what happened on the way, and ends with a cost footer.
 * Commands: `/model`, `/compare`, `/cost`, `/usage`.
 */
export function register(context: vscode.ExtensionContext, services: Services): void {
  const { registry } = services;
  const log = services.log.child('chat');
  const session: ChatSession = { services, log, lastCompared: undefined };

  // The chat's code loads with the first question, or ahead of it once activation is over.
  const handlers = () => import('./handler');
  const handler: vscode.ChatRequestHandler = async (request, context, stream, token) =>
    (await handlers()).handleChat(session, request, context, stream, token);
  afterActivation(context, log, handlers);

  const participant = vscode.chat.createChatParticipant(CHAT_PARTICIPANT_ID, handler);
  participant.iconPath = vscode.Uri.joinPath(services.extensionUri, 'media', 'icon.png');
  participant.followupProvider = {
    provideFollowups(result: vscode.ChatResult): vscode.ChatFollowup[] {
      const metadata = result.metadata as SwitchboardChatMetadata | undefined;
      if (!metadata?.retry) return [];
      return [
        {
          prompt: metadata.retry.prompt,
          label: `${metadata.partial ? 'Continue' : 'Retry'} on ${metadata.retry.modelName}`,
        },
      ];
    },
  };
  context.subscriptions.push(
    participant,
    ...registerCommands({ [Commands.openChat]: () => openChat(registry) }, log, services.dialogs),
  );
}

/**
 * VS Code's model picker starts on a model of its own choosing (extensions cannot mark a default):
 * this opens the chat with Switchboard's default model picked, ready for a question.
 */
async function openChat(registry: Services['registry']): Promise<void> {
  const provider = registry.defaultProvider();
  const model = registry.defaultModel();
  const id = provider && model ? modelKey({ providerId: provider, modelId: model }) : undefined;
  // Only a model VS Code has (enabled, with a key for its address): otherwise the chat refuses to open.
  const offered = id ? await vscode.lm.selectChatModels({ vendor: LANGUAGE_MODEL_VENDOR, id }) : [];
  await vscode.commands.executeCommand('workbench.action.chat.open', {
    query: '@switchboard ',
    isPartialQuery: true,
    ...(offered.length > 0 ? { modelSelector: { vendor: LANGUAGE_MODEL_VENDOR, id } } : {}),
  });
}
