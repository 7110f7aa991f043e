/**
 * What the first request of a process would otherwise do before its first text delta, done ahead,
 * in the background: load the host's fetch implementation (Node loads it on first use: 15–50 ms),
 * and run a short canned stream through the transport's decoder and SSE parser and the adapter's
 * parser, so zod compiles the stream's schemas (2–15 ms each on their first parse) and the engine
 * the code, before a person waits on them. One step per timer tick, each a few milliseconds; each
 * once per process; the timers never keep a process alive.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { TransportConfig } from '../http';
import { Utf8Pieces } from '../httpBody';
import { Redactor } from '../redact';
import { systemClock, type ChatEvent, type ProviderType } from '../types';
import { anthropicStream } from './anthropicStream';
import { geminiStream } from './gemini';
import { ollamaStream } from './ollamaStream';
import { openAiChatStream } from './openaiChatStream';
import { responsesStream } from './openaiResponsesStream';
import type { StreamParser } from './shared';
import { loadCompiler } from './streamJson';

const transport: TransportConfig = {
  providerName: 'rehearsal',
  fetch: () => Promise.reject(new Error('the rehearsal sends nothing')),
  clock: systemClock,
  timeouts: { firstByteMs: 1, idleMs: 1 },
  redactor: new Redactor(),
};

const sse = (events: Array<[string | undefined, unknown]>) =>
  events.map(([name, data]) => `${name ? `event: ${name}\n` : ''}data: ${JSON.stringify(data)}\n\n`).join('');

const openAiChunk = (delta: object, finish: string | null = null, usage: object | null = null) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'rehearsal',
  choices: finish === 'usage' ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  usage,
});

/** Canned streams, one per wire format, each a whole short answer. */
const STREAMS = {
  openai: () =>
    sse([
      [undefined, openAiChunk({ role: 'assistant', content: '' })],
      [undefined, openAiChunk({ content: 'Hello' })],
      [undefined, openAiChunk({ content: ' there' })],
      [undefined, openAiChunk({}, 'stop')],
      [undefined, openAiChunk({}, 'usage', { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 })],
    ]) + 'data: [DONE]\n\n',
  responses: () =>
    sse([
      ['response.created', { type: 'response.created', sequence_number: 0, response: { status: 'in_progress' } }],
      ...['Hello', ' there'].map((delta, index): [string, unknown] => [
        'response.output_text.delta',
        {
          type: 'response.output_text.delta',
          sequence_number: index + 1,
          item_id: 'msg_1',
          output_index: 0,
          content_index: 0,
          delta,
        },
      ]),
      [
        'response.completed',
        {
          type: 'response.completed',
          sequence_number: 3,
          response: { status: 'completed', output: [], usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 } },
        },
      ],
    ]),
  anthropic: () =>
    sse([
      [
        'message_start',
        { type: 'message_start', message: { model: 'rehearsal', usage: { input_tokens: 3, output_tokens: 1 } } },
      ],
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' there' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } }],
      ['message_stop', { type: 'message_stop' }],
    ]),
  gemini: () =>
    sse([
      [
        undefined,
        {
          candidates: [{ content: { parts: [{ text: 'Hello' }], role: 'model' }, index: 0 }],
          usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1, totalTokenCount: 4 },
        },
      ],
      [
        undefined,
        {
          candidates: [{ content: { parts: [{ text: ' there' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
          usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 },
        },
      ],
    ]),
  ollama: () =>
    ['Hello', ' there']
      .map((content) =>
        JSON.stringify({
          model: 'rehearsal',
          created_at: '2025-01-01T00:00:00Z',
          message: { role: 'assistant', content },
          done: false,
        }),
      )
      .concat(
        JSON.stringify({
          model: 'rehearsal',
          message: { role: 'assistant', content: '' },
          done: true,
          done_reason: 'stop',
          prompt_eval_count: 3,
          eval_count: 2,
        }),
      )
      .join('\n'),
};

type Format = keyof typeof STREAMS;

const PARSERS: Record<Exclude<Format, 'ollama'>, () => StreamParser<EventSourceMessage>> = {
  openai: () => openAiChatStream(transport),
  responses: () => responsesStream(transport),
  anthropic: () => anthropicStream(transport),
  gemini: () => geminiStream(transport),
};

/** Runs one canned stream through the decoder, the SSE parser (or line split) and the adapter's parser. */
export function rehearse(format: Format): ChatEvent[] {
  const text = new Utf8Pieces().decode(new TextEncoder().encode(STREAMS[format]()));
  const out: ChatEvent[] = [];
  if (format === 'ollama') {
    const turn = ollamaStream(transport);
    for (const line of text.split('\n')) turn.acceptLine(line, out);
    return [...out, ...turn.finish()];
  }
  const parser = PARSERS[format]();
  const events: EventSourceMessage[] = [];
  createParser({ onEvent: (event) => events.push(event) }).feed(text);
  for (const event of events) parser.accept(event, out);
  return [...out, ...parser.finish()];
}

const FORMATS: Partial<Record<ProviderType, Format[]>> = {
  openai: ['openai', 'responses'],
  'openai-compatible': ['openai'],
  'azure-openai': ['openai'],
  anthropic: ['anthropic'],
  gemini: ['gemini'],
  ollama: ['ollama'],
};

const done = new Set<string>();
const queue: Array<[string, () => void]> = [];
let scheduled = false;

function next(): void {
  scheduled = false;
  const step = queue.shift();
  if (!step) return;
  try {
    step[1]();
  } catch {
    // Only ever a head start: whatever failed here is done again, and reported, by the request.
  }
  schedule();
}

function schedule(): void {
  if (scheduled || queue.length === 0) return;
  scheduled = true;
  const timer = setTimeout(next, 0) as unknown as { unref?: () => void };
  timer.unref?.();
}

/** Prepares, in the background, what the first streamed answer of a provider of this type needs. */
export function prepareStreaming(type: ProviderType): void {
  const steps: Array<[string, () => void]> = [
    // Node's fetch, Headers and Response load on first use; touching one loads them all.
    ['fetch', () => void (globalThis as { Headers?: unknown }).Headers],
    ...(FORMATS[type] ?? []).map((format): [string, () => void] => [format, () => void rehearse(format)]),
  ];
  for (const step of steps) {
    if (done.has(step[0])) continue;
    done.add(step[0]);
    queue.push(step);
  }
  // The canned streams' parses compile the schemas: with the compiler there, not before it.
  void loadCompiler().then(schedule);
}
