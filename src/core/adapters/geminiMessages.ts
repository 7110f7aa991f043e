import { LOCAL_CALL_ID, type ChatMessage, type ContentPart, type ToolCall } from '../types';
import { textOf } from './shared';
import { argumentsObject, nestsTooDeep } from './toolArguments';

// Switchboard's messages in Gemini's generateContent shape: contents, parts, function calls and responses.

type Part = Record<string, unknown>;

function toParts(content: string | ContentPart[]): Part[] {
  const parts = typeof content === 'string' ? [{ type: 'text' as const, text: content }] : content;
  // Gemini refuses empty text parts.
  return parts.flatMap((part): Part[] =>
    part.type === 'image'
      ? [{ inlineData: { mimeType: part.mimeType, data: part.data } }]
      : part.text
        ? [{ text: part.text }]
        : [],
  );
}

function functionCallPart(call: ToolCall): Part {
  const signature = call.providerMetadata?.thoughtSignature;
  return {
    functionCall: {
      name: call.name,
      args: argumentsObject(call),
      ...(call.id && !call.providerMetadata?.[LOCAL_CALL_ID] ? { id: call.id } : {}),
    },
    // Gemini 3 rejects a function call in the current turn whose signature did not come back, on the part it came on.
    ...(typeof signature === 'string' ? { thoughtSignature: signature } : {}),
  };
}

/**
 * `response` must be a JSON object: a tool that answered with one is passed as is, anything else
 * (an object nested too deep to serialise safely included) as text.
 */
function toolResponse(text: string): Record<string, unknown> {
  if (text.trimStart().startsWith('{')) {
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === 'object' && value !== null && !Array.isArray(value) && !nestsTooDeep(value))
        return value as Record<string, unknown>;
    } catch {
      // Not JSON after all: sent as text.
    }
  }
  return { content: text };
}

/** System messages become the systemInstruction; the rest alternate between `user` and `model`. */
export function toContents(messages: ChatMessage[]): {
  system: Part[];
  contents: Array<{ role: 'user' | 'model'; parts: Part[] }>;
} {
  const system: Part[] = [];
  const contents: Array<{ role: 'user' | 'model'; parts: Part[] }> = [];
  // Gemini matches results to calls by name; a tool message without one borrows its call's.
  const names = new Map<string, string>();
  const localIds = new Set<string>();
  for (const message of messages) {
    if (message.role === 'system') {
      system.push(...toParts(message.content));
      continue;
    }
    let role: 'user' | 'model' = 'user';
    let parts: Part[];
    if (message.role === 'assistant') {
      role = 'model';
      for (const call of message.toolCalls ?? []) {
        if (call.id) names.set(call.id, call.name);
        if (call.providerMetadata?.[LOCAL_CALL_ID]) localIds.add(call.id);
      }
      parts = [...toParts(message.content), ...(message.toolCalls ?? []).map(functionCallPart)];
    } else if (message.role === 'tool') {
      const id = message.toolCallId;
      const name = message.toolName ?? (id ? names.get(id) : undefined) ?? '';
      parts = [
        {
          functionResponse: {
            name,
            ...(id && !localIds.has(id) ? { id } : {}),
            response: toolResponse(textOf(message.content)),
          },
        },
      ];
    } else {
      parts = toParts(message.content);
    }
    if (parts.length === 0) continue;
    // Parallel results (and a user's words after them) go in one turn: Gemini expects turns to alternate.
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  }
  return { system, contents };
}
