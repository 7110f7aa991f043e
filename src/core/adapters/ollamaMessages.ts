import type { ChatMessage } from '../types';
import { textOf } from './shared';
import { argumentsObject } from './toolArguments';

// Switchboard's messages in the shape of Ollama's /api/chat: text, images, tool calls and their results.

function toOllamaMessage(message: ChatMessage, toolNames: Map<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = { role: message.role, content: textOf(message.content) };
  if (typeof message.content !== 'string') {
    const images = message.content.flatMap((part) => (part.type === 'image' ? [part.data] : []));
    if (images.length > 0) out.images = images;
  }
  if (message.role === 'assistant' && message.toolCalls?.length) {
    out.tool_calls = message.toolCalls.map((call) => ({
      ...(call.id ? { id: call.id } : {}),
      function: { name: call.name, arguments: argumentsObject(call) },
    }));
  }
  if (message.role === 'tool') {
    // Ollama matches results to calls by name; older servers ignore the id, newer ones use it.
    const name = message.toolName ?? (message.toolCallId ? toolNames.get(message.toolCallId) : undefined);
    if (name) out.tool_name = name;
    if (message.toolCallId) out.tool_call_id = message.toolCallId;
  }
  return out;
}

/** A tool result without a name borrows its call's, from the assistant message that made it. */
export function toOllamaMessages(messages: ChatMessage[]): Array<Record<string, unknown>> {
  const toolNames = new Map<string, string>();
  for (const message of messages) for (const call of message.toolCalls ?? []) toolNames.set(call.id, call.name);
  return messages.map((message) => toOllamaMessage(message, toolNames));
}
