import type * as vscode from 'vscode';
import { answer } from './answer';
import { previousTurn } from './chatContext';
import { compare } from './compare';
import { costCommand, usageCommand } from './costCommand';
import { chooseModel } from './model';
import type { ChatSession } from './participant';
import { carried } from './turnState';

/** One `@switchboard` request: its command (`/model`, `/compare`, `/cost`, `/usage`) or an answer. */
export async function handleChat(
  session: ChatSession,
  request: vscode.ChatRequest,
  context: vscode.ChatContext,
  stream: vscode.ChatResponseStream,
  token: vscode.CancellationToken,
): Promise<vscode.ChatResult> {
  const { services } = session;
  const keep = carried(request, previousTurn(context));
  switch (request.command) {
    case 'cost':
      return costCommand(services, request, context, stream, keep);
    case 'usage':
      return usageCommand(services, stream, keep);
    case 'model':
      return chooseModel(services, request, stream, keep, token);
    case 'compare':
      return compare(session, request, context, stream, keep, token);
    default:
      return answer(session, request, context, stream, token);
  }
}
