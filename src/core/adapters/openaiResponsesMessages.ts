import type { ChatMessage, ContentPart } from '../types';
import { textOf } from './shared';
import { argumentsText } from './toolArguments';

// Switchboard's messages as Responses API input items, and the reasoning that travels with tool calls.

/**
 * Encrypted reasoning items that led to a turn's tool calls. With `store: false` the server keeps
 * nothing, so they travel with the first call and go back before it on the next turn.
 */
export const REASONING_KEY = 'openaiReasoning';

function contentParts(content: string | ContentPart[]): Array<Record<string, unknown>> {
  if (typeof content === 'string') return [{ type: 'input_text', text: content }];
  return content.map((part) =>
    part.type === 'text'
      ? { type: 'input_text', text: part.text }
      : { type: 'input_image', image_url: `data:${part.mimeType};base64,${part.data}`, detail: 'auto' },
  );
}

/**
 * Responses input items. System messages become `instructions`; no item carries a server id (with
 * `store: false` the server would look it up and fail), only `call_id`.
 */
export function toResponsesInput(messages: ChatMessage[]): {
  instructions?: string;
  input: Array<Record<string, unknown>>;
} {
  const system = messages.filter((message) => message.role === 'system').map((message) => textOf(message.content));
  const input: Array<Record<string, unknown>> = [];
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        break;
      case 'tool':
        input.push({ type: 'function_call_output', call_id: message.toolCallId, output: textOf(message.content) });
        break;
      case 'assistant': {
        for (const call of message.toolCalls ?? []) {
          const reasoning = call.providerMetadata?.[REASONING_KEY];
          if (Array.isArray(reasoning)) input.push(...(reasoning as Array<Record<string, unknown>>));
        }
        const text = textOf(message.content);
        if (text !== '') input.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] });
        for (const call of message.toolCalls ?? [])
          input.push({ type: 'function_call', call_id: call.id, name: call.name, arguments: argumentsText(call) });
        break;
      }
      default:
        input.push({ type: 'message', role: 'user', content: contentParts(message.content) });
    }
  }
  return { ...(system.length > 0 ? { instructions: system.join('\n\n') } : {}), input };
}
