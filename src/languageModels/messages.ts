import * as vscode from 'vscode';
import type { ChatMessage } from '../core';

const textOf = (parts: readonly unknown[]) =>
  parts.flatMap((part) => (part instanceof vscode.LanguageModelTextPart ? [part.value] : [])).join('');

/** The proposed API's System role (3): Copilot's agent sends its instructions with it. */
const SYSTEM_ROLE = 3;

/**
 * VS Code's messages in the core's shape: tool calls on the assistant's turn, each tool result its
 * own message. `callMetadata` gives back what a provider attached to a call (Gemini's thought
 * signature), which VS Code's parts cannot carry.
 */
export function toChatMessages(
  messages: readonly vscode.LanguageModelChatRequestMessage[],
  callMetadata: (callId: string) => Record<string, unknown> | undefined = () => undefined,
): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const message of messages) {
    const role =
      message.role === vscode.LanguageModelChatMessageRole.Assistant
        ? 'assistant'
        : (message.role as number) === SYSTEM_ROLE
          ? 'system'
          : 'user';
    const calls = message.content.filter(
      (part): part is vscode.LanguageModelToolCallPart => part instanceof vscode.LanguageModelToolCallPart,
    );
    for (const result of message.content.filter(
      (part): part is vscode.LanguageModelToolResultPart => part instanceof vscode.LanguageModelToolResultPart,
    )) {
      out.push({ role: 'tool', toolCallId: result.callId, content: textOf(result.content) });
    }
    const text = textOf(message.content);
    if (text === '' && calls.length === 0) continue;
    const toolCalls = calls.map((call) => {
      const providerMetadata = callMetadata(call.callId);
      return {
        id: call.callId,
        name: call.name,
        arguments: call.input,
        ...(providerMetadata ? { providerMetadata } : {}),
      };
    });
    out.push({ role, content: text, ...(toolCalls.length > 0 ? { toolCalls } : {}) });
  }
  return out;
}

/**
 * The common knobs callers pass in `modelOptions` (as OpenAI names them, or camel-cased); anything
 * else is ignored rather than sent on to a provider that may refuse it.
 */
export function samplingOptions(modelOptions: { readonly [name: string]: unknown } | undefined): {
  temperature?: number;
  maxTokens?: number;
} {
  const number = (...names: string[]) =>
    names
      .map((name) => modelOptions?.[name])
      .find((value): value is number => typeof value === 'number' && Number.isFinite(value));
  const temperature = number('temperature');
  const maxTokens = number('max_tokens', 'maxTokens', 'max_completion_tokens', 'max_output_tokens', 'maxOutputTokens');
  return {
    ...(temperature !== undefined && temperature >= 0 && temperature <= 2 ? { temperature } : {}),
    ...(maxTokens !== undefined && Number.isInteger(maxTokens) && maxTokens > 0 ? { maxTokens } : {}),
  };
}
