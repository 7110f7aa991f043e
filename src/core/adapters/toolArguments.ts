import { ProviderError } from '../errors';
import type { ToolCall } from '../types';

/**
 * Deepest nesting of objects and arrays accepted in tool-call arguments, coming in and going out.
 * Real tool schemas are a few levels deep. JSON.stringify recurses and overflows the stack a few
 * thousand levels down (an untyped RangeError, which the transport would even call a network error
 * and retry); servers and proxies built on serde_json refuse JSON nested past 128 levels, and the
 * request wraps the arguments in up to 6 levels of its own (Gemini: contents, parts, functionCall).
 * 64 stays clear of all of these.
 */
export const MAX_ARGUMENT_DEPTH = 64;

/**
 * In what goes back to an API that takes arguments as an object, the key that carries text the
 * model produced that was not a JSON object: nothing it wrote is lost or rewritten.
 */
export const RAW_ARGUMENTS_KEY = 'raw_arguments';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** True if `value` nests objects and arrays deeper than the limit. Iterative: the walk itself must not overflow. */
export function nestsTooDeep(value: unknown): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= MAX_ARGUMENT_DEPTH) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

function tooDeep(what: string): ProviderError {
  return new ProviderError(
    'bad_request',
    `${what} nested deeper than ${MAX_ARGUMENT_DEPTH} levels, the most Switchboard accepts in tool-call arguments`,
    {
      code: 'tool_arguments_too_deep',
    },
  );
}

/**
 * Arguments the model produced, as a value. Text is parsed; what is not a JSON object (broken JSON,
 * or an array or scalar no tool takes) stays the text it arrived as, so a string always means the
 * model's own unparsed text. Arguments nested too deep are refused with a typed error: they could
 * not be sent back in the next turn.
 */
export function producedArguments(value: unknown, providerName: string): unknown {
  if (typeof value === 'string') {
    // An empty string means no arguments.
    if (value.trim() === '') return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      return value;
    }
    if (nestsTooDeep(parsed)) throw tooDeep(`${providerName} sent tool-call arguments`);
    return isRecord(parsed) ? parsed : value;
  }
  if (nestsTooDeep(value)) throw tooDeep(`${providerName} sent tool-call arguments`);
  return value ?? {};
}

function checkSent(call: ToolCall, value: unknown): void {
  if (nestsTooDeep(value)) throw tooDeep(`The arguments of the earlier call to ${call.name} are`);
}

/**
 * A call's arguments for an API that takes JSON text (OpenAI Chat's `function.arguments`, the
 * Responses API's `arguments`; both document that the model's text may not be valid JSON). Text the
 * model produced goes back exactly as it produced it.
 */
export function argumentsText(call: ToolCall): string {
  if (typeof call.arguments === 'string') return call.arguments;
  checkSent(call, call.arguments);
  return JSON.stringify(call.arguments ?? {});
}

/**
 * A call's arguments for an API that takes an object (Anthropic's `input`, Gemini's `args`, Ollama's
 * `arguments`). Text that is a JSON object goes as that object; any other text (what the model
 * produced when it was not valid JSON) cannot go as it is and is not replaced by `{}`: it goes as
 * `{ raw_arguments: "<the text>" }`, so the next turn still shows the model what it wrote.
 */
export function argumentsObject(call: ToolCall): Record<string, unknown> {
  let value = call.arguments;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return { [RAW_ARGUMENTS_KEY]: call.arguments };
    }
    if (!isRecord(value)) return { [RAW_ARGUMENTS_KEY]: call.arguments };
  }
  if (value === undefined || value === null) return {};
  checkSent(call, value);
  return isRecord(value) ? value : { [RAW_ARGUMENTS_KEY]: JSON.stringify(value) };
}
