import * as vscode from 'vscode';
import { Commands } from './commands';

export const CHAT_PARTICIPANT_ID = 'switchboard.chat';

/** `@switchboard` in VS Code's chat. Until a provider is connected it points the user to setup. */
export function registerChatParticipant(extensionUri: vscode.Uri): vscode.Disposable {
  const participant = vscode.chat.createChatParticipant(CHAT_PARTICIPANT_ID, (_request, _context, stream) => {
    stream.markdown('No LLM provider is connected to Switchboard yet. Add one to chat with its models here.');
    stream.button({ command: Commands.openPanel, title: 'Manage Providers' });
    return {};
  });
  participant.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.png');
  return participant;
}
