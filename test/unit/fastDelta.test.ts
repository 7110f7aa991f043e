import assert from 'node:assert/strict';
import type { EventSourceMessage } from 'eventsource-parser';
import { anthropicStream } from '../../src/core/adapters/anthropicStream';
import { FastDeltas } from '../../src/core/adapters/fastDelta';
import { ollamaStream } from '../../src/core/adapters/ollamaStream';
import { OPENAI_CHAT_DELTA, openAiChatStream } from '../../src/core/adapters/openaiChatStream';
import { responsesStream } from '../../src/core/adapters/openaiResponsesStream';
import { rehearse } from '../../src/core/adapters/rehearsal';
import type { StreamParser } from '../../src/core/adapters/shared';
import type { TransportConfig } from '../../src/core/http';
import { Utf8Pieces } from '../../src/core/httpBody';
import { Redactor } from '../../src/core/redact';
import { systemClock, type ChatEvent } from '../../src/core/types';
import { finishChunk, openAiChunk, OPENAI_USAGE, roleDelta, textDelta, toolCallStream } from '../fixtures/openaiWire';

const transport: TransportConfig = {
  providerName: 'Test',
  fetch: () => Promise.reject(new Error('no network')),
  clock: systemClock,
  timeouts: { firstByteMs: 1000, idleMs: 1000 },
  redactor: new Redactor(),
};

/** What a parser makes of a stream: its events, then the finish events or the error (kind and message). */
function outcome(parser: StreamParser<EventSourceMessage>, events: EventSourceMessage[]): unknown[] {
  const out: ChatEvent[] = [];
  try {
    for (const event of events) {
      parser.accept(event, out);
      if (parser.done) break;
    }
    return [...out, ...parser.finish()];
  } catch (error) {
    return [...out, { error: String(error), kind: (error as { kind?: unknown }).kind }];
  }
}

const data = (text: string, event?: string): EventSourceMessage => ({ id: undefined, event, data: text });
const json = (value: unknown, event?: string) => data(JSON.stringify(value), event);

/** How many events took the fast path while `body` ran. */
function fastHits(body: () => void): number {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- wrapped and restored, always called with its instance
  const original = FastDeltas.prototype.match;
  let hits = 0;
  FastDeltas.prototype.match = function (this: FastDeltas, event, text) {
    const result = original.call(this, event, text);
    if (result !== undefined) hits++;
    return result;
  };
  try {
    body();
  } finally {
    FastDeltas.prototype.match = original;
  }
  return hits;
}

/**
 * Runs every stream through the fast path and through the schema path alone: the same events, or
 * the same error; and the fast path was taken (the deltas after the first are plain).
 */
function assertSame(
  make: (fastPath: boolean) => StreamParser<EventSourceMessage>,
  streams: Record<string, EventSourceMessage[]>,
): void {
  for (const [name, events] of Object.entries(streams)) {
    let fast: unknown[] = [];
    assert.ok(fastHits(() => (fast = outcome(make(true), events))) > 0, `${name}: the fast path was taken`);
    assert.deepEqual(fast, outcome(make(false), events), name);
  }
}

// Text as real streams carry it: unicode raw and escaped, surrogate pairs, a lone surrogate, escapes.
const TEXTS = [
  ' tok3',
  '',
  'héllo wörld 日本語 👋',
  'line\nbreak\ttab "quoted" back\\slash /slash',
  '\u0000\u001f control',
  '\ud83d\ude00 pair',
  '\ud800 lone',
];
/** The same texts as a server may escape them (\u00e9, \/), which JSON.stringify never writes. */
const ESCAPED = ['h\\u00e9llo', 'a\\/b', '\\ud83d\\ude00', '\\u0041\\u0042'];

describe('the fast path for text deltas', () => {
  describe('OpenAI Chat Completions: the fast path and the schema path give the same events', () => {
    const make = (fastPath: boolean) => openAiChatStream(transport, fastPath);
    const raw = (content: string) =>
      data(JSON.stringify(textDelta('x')).replace('"content":"x"', `"content":"${content}"`));
    const base = [json(roleDelta()), json(textDelta('Hello')), json(textDelta(' there'))];
    const end = [
      json(textDelta(' end')),
      json(finishChunk('stop')),
      json(openAiChunk(null, { usage: OPENAI_USAGE })),
      data('[DONE]'),
    ];
    const variants: Record<string, EventSourceMessage> = {
      ...Object.fromEntries(TEXTS.map((text) => [`text ${JSON.stringify(text)}`, json(textDelta(text))])),
      ...Object.fromEntries(ESCAPED.map((text) => [`escaped ${text}`, raw(text)])),
      'a raw control character (not JSON)': raw('bad\u0001char'),
      'an unfinished escape': raw('bad\\'),
      'an invalid escape': raw('bad\\x41'),
      'content null': json(openAiChunk({ delta: { content: null } })),
      'content missing': json(openAiChunk({ delta: {} })),
      'content a number': data(JSON.stringify(textDelta('x')).replace('"content":"x"', '"content":12')),
      'delta null': json(openAiChunk({ delta: null })),
      'choices empty': json(openAiChunk(null)),
      'an extra field': json(openAiChunk({ delta: { content: 'x' } }, { extra: { nested: [1, 'two'] } })),
      'obfuscation padding': json(openAiChunk({ delta: { content: 'x' } }, { obfuscation: 'k2Jd9' })),
      'reasoning beside the text': json(openAiChunk({ delta: { content: 'x', reasoning_content: 'think' } })),
      'reasoning alone': json(openAiChunk({ delta: { reasoning: 'think' } })),
      'a finish reason with text': json(openAiChunk({ delta: { content: 'x' }, finish_reason: 'length' })),
      'usage filled in': json({ ...textDelta('x'), usage: OPENAI_USAGE }),
      'groq usage': json({ ...textDelta('x'), x_groq: { usage: OPENAI_USAGE } }),
      'an error object': json({ error: { message: 'overloaded', type: 'server_error', code: 'overloaded' } }),
      'an error field beside choices': json({ ...textDelta('x'), error: { message: 'boom' } }),
      'an error event': data(JSON.stringify({ error: { message: 'boom' } }), 'error'),
      'the text delta under an event name': json(textDelta('x'), 'message'),
      'finish_reason error': json(openAiChunk({ delta: { content: 'x' }, finish_reason: 'error' })),
      insufficient_system_resource: json(openAiChunk({ delta: {}, finish_reason: 'insufficient_system_resource' })),
      'other spacing': data(JSON.stringify(textDelta('x'), null, 1)),
      'another id': json({ ...textDelta('x'), id: 'chatcmpl-other' }),
      'a second choice': json(
        openAiChunk(
          { delta: { content: 'x' } },
          {
            choices: [
              { index: 0, delta: { content: 'a' } },
              { index: 1, delta: { content: 'b' } },
            ],
          },
        ),
      ),
      'duplicate content keys': data(
        JSON.stringify(textDelta('x')).replace('"content":"x"', '"content":"a","content":"b"'),
      ),
      'content then null': data(
        JSON.stringify(textDelta('x')).replace('"content":"x"', '"content":"a","content":null'),
      ),
      'trailing garbage': data(`${JSON.stringify(textDelta('x'))}x`),
      'not JSON': data('{"choices":['),
      'an array': data('[1,2]'),
      null: data('null'),
      'whitespace around it': data(` ${JSON.stringify(textDelta('x'))} `),
    };
    it('for each variant after learned deltas, and for the tool-call stream', () => {
      const streams: Record<string, EventSourceMessage[]> = {};
      for (const [name, variant] of Object.entries(variants)) streams[name] = [...base, variant, ...end];
      streams['tool calls'] = [...base, ...toolCallStream.map((chunk) => json(chunk)), ...end];
      streams['variants one after another'] = [
        ...base,
        ...Object.values(variants).filter((v) => v.event !== 'error'),
        ...end,
      ];
      streams['no [DONE]'] = [...base, json(textDelta('x'))];
      assertSame(make, streams);
    });

    it('takes the text of a learned shape without parsing, and nothing it has not seen', () => {
      const fast = new FastDeltas(OPENAI_CHAT_DELTA);
      const learned = JSON.stringify({ ...textDelta('Hello'), obfuscation: 'abc' });
      assert.equal(fast.match(undefined, learned), undefined, 'nothing learned yet');
      fast.learn(undefined, learned, 'Hello');
      const next = (content: string, obfuscation = 'xyz12') => JSON.stringify({ ...textDelta(content), obfuscation });
      assert.equal(fast.match(undefined, next(' wörld', 'q')), ' wörld');
      assert.equal(fast.match(undefined, next('')), '');
      assert.equal(fast.match(undefined, next('a"b\\c\n')), 'a"b\\c\n');
      assert.equal(fast.match('message', next('x')), undefined, 'another event name');
      assert.equal(fast.match(undefined, JSON.stringify({ ...textDelta('x'), obfuscation: 5 })), undefined);
      assert.equal(
        fast.match(undefined, JSON.stringify(openAiChunk({ delta: { content: 'x' }, finish_reason: 'stop' }))),
        undefined,
      );
      assert.equal(fast.match(undefined, next('x').replace('"content":"x"', '"content":null')), undefined);
    });

    it('learns no shape the full path did not find (a wrong text is refused)', () => {
      const fast = new FastDeltas(OPENAI_CHAT_DELTA);
      const chunk = JSON.stringify(textDelta('Hello'));
      fast.learn(undefined, chunk, 'not this');
      assert.equal(fast.match(undefined, chunk), undefined);
      const duplicate = chunk.replace('"content":"Hello"', '"content":"a","content":"Hello"');
      fast.learn(undefined, duplicate, 'Hello');
      assert.equal(fast.match(undefined, duplicate), undefined, 'two texts: no template');
    });
  });

  describe('Anthropic Messages', () => {
    const make = (fastPath: boolean) => anthropicStream(transport, fastPath);
    const delta = (text: unknown, type = 'text_delta', index = 0) =>
      json({ type: 'content_block_delta', index, delta: { type, text } }, 'content_block_delta');
    const start = [
      json(
        { type: 'message_start', message: { model: 'claude', usage: { input_tokens: 5, output_tokens: 1 } } },
        'message_start',
      ),
      json({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start'),
      delta('Hello'),
      delta(' there'),
    ];
    const end = [
      delta(' end'),
      json({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
      json({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 9 } }, 'message_delta'),
      json({ type: 'message_stop' }, 'message_stop'),
    ];
    const raw = (body: string) => data(body, 'content_block_delta');
    const variants: Record<string, EventSourceMessage> = {
      ...Object.fromEntries(TEXTS.map((text) => [`text ${JSON.stringify(text)}`, delta(text)])),
      ...Object.fromEntries(
        ESCAPED.map((text) => [
          `escaped ${text}`,
          raw(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${text}"}}`),
        ]),
      ),
      'text null': delta(null),
      'text missing': json(
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta' } },
        'content_block_delta',
      ),
      'another index': delta('x', 'text_delta', 1),
      'a thinking delta': json(
        { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } },
        'content_block_delta',
      ),
      'an extra field': json(
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'x', citations: [] } },
        'content_block_delta',
      ),
      'a ping': json({ type: 'ping' }, 'ping'),
      'an error event': json({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'error'),
      'an error under the delta event name': raw(
        '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
      ),
      'a raw control character': raw(
        '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\u0001b"}}',
      ),
      'not JSON': raw('{"type":"content_block_delta"'),
      'delta null': raw('{"type":"content_block_delta","index":0,"delta":null}'),
    };
    it('the fast path and the schema path give the same events, whatever comes after learned deltas', () => {
      const streams: Record<string, EventSourceMessage[]> = {};
      for (const [name, variant] of Object.entries(variants)) streams[name] = [...start, variant, ...end];
      streams['tool use'] = [
        ...start,
        json({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
        json(
          {
            type: 'content_block_start',
            index: 1,
            content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} },
          },
          'content_block_start',
        ),
        json(
          { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":' } },
          'content_block_delta',
        ),
        json(
          { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } },
          'content_block_delta',
        ),
        json({ type: 'content_block_stop', index: 1 }, 'content_block_stop'),
        json(
          { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } },
          'message_delta',
        ),
        json({ type: 'message_stop' }, 'message_stop'),
      ];
      streams['no message_stop'] = [...start, delta('x')];
      assertSame(make, streams);
    });
  });

  describe('OpenAI Responses', () => {
    const make = (fastPath: boolean) => responsesStream(transport, fastPath);
    let sequence = 0;
    const delta = (value: unknown, extra: object = {}) =>
      json(
        {
          type: 'response.output_text.delta',
          sequence_number: ++sequence,
          item_id: 'msg_1',
          output_index: 0,
          content_index: 0,
          delta: value,
          logprobs: [],
          obfuscation: `pad${sequence}`,
          ...extra,
        },
        'response.output_text.delta',
      );
    const completed = json(
      {
        type: 'response.completed',
        sequence_number: 99,
        response: { status: 'completed', output: [], usage: { input_tokens: 3, output_tokens: 4 } },
      },
      'response.completed',
    );
    it('the fast path and the schema path give the same events, whatever comes after learned deltas', () => {
      const variants: Record<string, EventSourceMessage> = {
        ...Object.fromEntries(TEXTS.map((text) => [`text ${JSON.stringify(text)}`, delta(text)])),
        'delta null': delta(null),
        'delta a number': delta(5),
        'another item': delta('x', { item_id: 'msg_2' }),
        'a sequence number as a string': delta('x', { sequence_number: '7' }),
        'an extra field': delta('x', { annotations: [] }),
        'an error event': json({ type: 'error', code: 'server_error', message: 'boom', param: null }, 'error'),
        'a failed response': json(
          { type: 'response.failed', response: { status: 'failed', error: { code: 'server_error', message: 'boom' } } },
          'response.failed',
        ),
      };
      const streams: Record<string, EventSourceMessage[]> = {};
      for (const [name, variant] of Object.entries(variants))
        streams[name] = [delta('Hello'), delta(' there'), variant, delta(' end'), completed];
      assertSame(make, streams);
    });
  });

  describe('Ollama', () => {
    const line = (content: unknown, extra: object = {}) =>
      JSON.stringify({
        model: 'llama3.2',
        created_at: `2025-08-21T10:12:00.${Math.random().toString().slice(2, 8)}Z`,
        message: { role: 'assistant', content },
        done: false,
        ...extra,
      });
    const done = JSON.stringify({
      model: 'llama3.2',
      created_at: '2025-08-21T10:12:01Z',
      message: { role: 'assistant', content: '' },
      done: true,
      done_reason: 'stop',
      prompt_eval_count: 26,
      eval_count: 282,
    });
    const run = (fastPath: boolean, lines: string[]) => {
      const turn = ollamaStream(transport, fastPath);
      const out: ChatEvent[] = [];
      try {
        for (const text of lines) turn.acceptLine(text, out);
        return [...out, ...turn.finish()];
      } catch (error) {
        return [...out, { error: String(error) }];
      }
    };
    it('the fast path and the schema path give the same events, whatever comes after learned lines', () => {
      const variants: Record<string, string> = {
        ...Object.fromEntries(TEXTS.map((text) => [`text ${JSON.stringify(text)}`, line(text)])),
        thinking: line('', { message: { role: 'assistant', content: '', thinking: 'hmm' } }),
        'a tool call': line('', {
          message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'f', arguments: { a: 1 } } }] },
        }),
        'an error line': JSON.stringify({ error: 'model crashed' }),
        'content null': line(null),
        'with \\r': `${line('x')}\r`,
        'not JSON': '{"model":',
      };
      for (const [name, variant] of Object.entries(variants)) {
        const lines = [line('Hello'), line(' there'), variant, line(' end'), done];
        let fast: unknown[] = [];
        assert.ok(fastHits(() => (fast = run(true, lines))) > 0, `${name}: the fast path was taken`);
        assert.deepEqual(fast, run(false, lines), name);
      }
    });
  });
});

describe('Utf8Pieces', () => {
  it('decodes any bytes cut anywhere as TextDecoder does (BOM, invalid bytes, split characters)', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const BYTES = [
      0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0x41, 0x80, 0xc3, 0xff, 0xed, 0xa0, 0xef, 0xbb, 0xbf, 0xc0, 0xf4, 0x90,
      0x0a,
    ];
    const TEXT = ['héllo wörld €100 😀 日本語', '\ufeffa BOM first', 'data: {"a":1}\n\n'];
    for (let trial = 0; trial < 3000; trial++) {
      const bytes =
        trial % 2
          ? new TextEncoder().encode(TEXT[trial % 3]!.repeat(1 + (trial % 4)))
          : Uint8Array.from({ length: 1 + (trial % 40) }, () => BYTES[Math.floor(random() * BYTES.length)]!);
      const cuts = [
        0,
        ...Array.from({ length: trial % 6 }, () => Math.floor(random() * (bytes.length + 1))),
        bytes.length,
      ].sort((a, b) => a - b);
      const reference = new TextDecoder();
      const pieces = new Utf8Pieces();
      let expected = '';
      let actual = '';
      for (let index = 0; index + 1 < cuts.length; index++) {
        const part = bytes.slice(cuts[index], cuts[index + 1]);
        expected += reference.decode(part, { stream: true });
        actual += pieces.decode(part);
      }
      expected += reference.decode();
      actual += pieces.end();
      assert.equal(
        actual,
        expected,
        `bytes ${[...bytes].map((byte) => byte.toString(16)).join(' ')} cut at ${cuts.join(',')}`,
      );
    }
  });
});

describe('the background rehearsal', () => {
  it('runs a whole canned answer through each format', () => {
    for (const format of ['openai', 'responses', 'anthropic', 'gemini', 'ollama'] as const) {
      const events = rehearse(format);
      assert.equal(
        events
          .filter((event) => event.type === 'text')
          .map((event) => (event as { text: string }).text)
          .join(''),
        'Hello there',
        format,
      );
      assert.deepEqual(events.at(-1), { type: 'finish', reason: 'stop' }, format);
      assert.ok(
        events.some((event) => event.type === 'usage'),
        format,
      );
    }
  });
});
