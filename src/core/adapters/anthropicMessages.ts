import type { ChatMessage, ContentPart } from '../types';
import { textOf } from './shared';
import { argumentsObject } from './toolArguments';

// Switchboard's messages in the Messages API's shape: system at the top level, content blocks, tool use and results.

/** Thinking blocks (with their signatures) must go back with the tool calls they led to. */
export const THINKING_KEY = 'anthropicThinking';

function contentBlocks(content: string | ContentPart[]): Array<Record<string, unknown>> {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  return content.map((part) =>
    part.type === 'text'
      ? { type: 'text', text: part.text }
      : { type: 'image', source: { type: 'base64', media_type: part.mimeType, data: part.data } },
  );
}

function assistantBlocks(message: ChatMessage): Array<Record<string, unknown>> {
  const thinking = (message.toolCalls ?? []).flatMap(
    (call) => (call.providerMetadata?.[THINKING_KEY] as Array<Record<string, unknown>> | undefined) ?? [],
  );
  const toolUses = (message.toolCalls ?? []).map((call) => ({
    type: 'tool_use',
    id: call.id,
    name: call.name,
    input: argumentsObject(call),
  }));
  return [...thinking, ...contentBlocks(message.content), ...toolUses];
}

/** Messages API turns: system lifted to the top level, tool results as user blocks, same-role turns merged. */
export function toAnthropicMessages(messages: ChatMessage[]): {
  system?: string;
  messages: Array<{ role: string; content: Array<Record<string, unknown>> }>;
} {
  const system = messages.filter((message) => message.role === 'system').map((message) => textOf(message.content));
  const turns: Array<{ role: string; content: Array<Record<string, unknown>> }> = [];
  for (const message of messages) {
    if (message.role === 'system') continue;
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const content =
      message.role === 'assistant'
        ? assistantBlocks(message)
        : message.role === 'tool'
          ? [{ type: 'tool_result', tool_use_id: message.toolCallId, content: textOf(message.content) }]
          : contentBlocks(message.content);
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...content);
    else turns.push({ role, content });
  }
  return { ...(system.length > 0 ? { system: system.join('\n\n') } : {}), messages: turns };
}
