import * as vscode from 'vscode';
import { softCapWarning, tokenCapFor, type Attachment, type ChatMessage } from '../core';
import type { Services } from '../services';
import { answerText, CHAT_PARTICIPANT_ID, type SwitchboardChatMetadata } from './metadata';

/** This participant's earlier conversation: the user's prompts and the answers' text, without commands or failures. */
export function history(context: vscode.ChatContext): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const turn of context.history) {
    if (turn.participant !== CHAT_PARTICIPANT_ID || turn.command) continue;
    if (turn instanceof vscode.ChatRequestTurn) messages.push({ role: 'user', content: turn.prompt });
    else if (turn instanceof vscode.ChatResponseTurn) {
      // A failed turn's text is Switchboard's, not the model's; its question stays without an answer.
      if (turn.result.errorDetails || (turn.result.metadata as SwitchboardChatMetadata | undefined)?.command) continue;
      const markdown = turn.response
        .flatMap((part) => (part instanceof vscode.ChatResponseMarkdownPart ? [part.value.value] : []))
        .join('');
      const answer = answerText(markdown);
      if (answer.trim()) messages.push({ role: 'assistant', content: answer });
    }
  }
  // Two user turns in a row (an unanswered question) would be refused by Anthropic and Gemini: keep the later.
  return messages.filter((message, index) => !(message.role === 'user' && messages[index + 1]?.role === 'user'));
}

/** The last answer of this participant in the conversation, with the prompt it answered. */
export function previousTurn(
  context: vscode.ChatContext,
):
  { prompt: string; references: readonly vscode.ChatPromptReference[]; metadata: SwitchboardChatMetadata } | undefined {
  for (let index = context.history.length - 1; index >= 0; index--) {
    const turn = context.history[index];
    if (!(turn instanceof vscode.ChatResponseTurn) || turn.participant !== CHAT_PARTICIPANT_ID) continue;
    const request = context.history[index - 1];
    const asked = request instanceof vscode.ChatRequestTurn ? request : undefined;
    return { prompt: asked?.prompt ?? '', references: asked?.references ?? [], metadata: turn.result.metadata ?? {} };
  }
  return undefined;
}

/** What the user attached (files, selections, values), read as text; what cannot be read is named. */
export async function readReferences(
  references: readonly vscode.ChatPromptReference[],
): Promise<{ attachments: Attachment[]; unreadable: string[]; used: Array<vscode.Uri | vscode.Location> }> {
  const attachments: Attachment[] = [];
  const unreadable: string[] = [];
  const used: Array<vscode.Uri | vscode.Location> = [];
  for (const reference of references) {
    const value = reference.value;
    try {
      if (value instanceof vscode.Location) {
        // An open editor's text, saved or not.
        const document = await vscode.workspace.openTextDocument(value.uri);
        const range = value.range.isEmpty ? undefined : value.range;
        const label = `${vscode.workspace.asRelativePath(value.uri)}${range ? `:${range.start.line + 1}-${range.end.line + 1}` : ''}`;
        attachments.push({ label, text: document.getText(range) });
        used.push(value);
      } else if (value instanceof vscode.Uri) {
        const stat = await vscode.workspace.fs.stat(value);
        if (stat.type & vscode.FileType.Directory) {
          unreadable.push(`${vscode.workspace.asRelativePath(value)} (a folder)`);
          continue;
        }
        const document = await vscode.workspace.openTextDocument(value);
        attachments.push({ label: vscode.workspace.asRelativePath(value), text: document.getText() });
        used.push(value);
      } else if (typeof value === 'string') {
        attachments.push({ label: reference.modelDescription ?? reference.id, text: value });
      } else {
        // Images and other binary data: Switchboard sends text only.
        unreadable.push(reference.modelDescription ?? reference.id);
      }
    } catch {
      // A binary file openTextDocument refuses, or one deleted since it was attached.
      unreadable.push(value instanceof vscode.Uri ? vscode.workspace.asRelativePath(value) : reference.id);
    }
  }
  return { attachments, unreadable, used };
}

/**
 * The warning said before sending when a request to `providerId` (its counted input plus the most it
 * may answer, after the provider's hard cap) would exceed the soft token cap set for the provider.
 */
export function softCapNotice(
  { settings, registry }: Pick<Services, 'settings' | 'registry'>,
  providerId: string,
  inputTokens: number,
  maxOutputTokens: number | undefined,
): string | undefined {
  const cap = tokenCapFor(settings.current.tokenCaps, providerId);
  if (cap?.softTokens === undefined) return undefined;
  const room = cap.hardTokens === undefined ? undefined : Math.max(0, cap.hardTokens - inputTokens);
  const maxTokens = room === undefined ? maxOutputTokens : Math.min(room, maxOutputTokens ?? room);
  return softCapWarning({ inputTokens, maxTokens }, cap.softTokens, registry.get(providerId)?.name ?? providerId);
}
