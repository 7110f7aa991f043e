// Usage numbers at the adapter boundary: every adapter, against a loopback server speaking its wire
// format, with counts no provider should send. A usage event carries only finite non-negative
// integer counts (sub-counts within their totals) and a finite non-negative cost; an unusable report
// yields no usage event at all, and the answer itself never fails because of one.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { type ChatEvent, type ChatRequest, type Provider, type Usage } from '../../src/core';
import { createProvider } from '../../src/core/provider';
import { collect, useServers, withoutMetadata } from '../support/chat';
import { dataEvents, json, sse, type LoopbackServer } from '../support/loopback';
import { blockDelta, blockStart, blockStop, messageDelta, messageStart, messageStop } from '../fixtures/anthropicWire';
import { geminiChunk } from '../fixtures/geminiWire';
import { contentChunk, finalChunk, ndjsonLines } from '../fixtures/ollamaWire';
import {
  completed,
  created,
  messageAdded,
  partAdded,
  snapshot,
  textDelta as responsesTextDelta,
} from '../fixtures/openaiResponsesWire';
import { finishChunk, openAiChunk, textDelta } from '../fixtures/openaiWire';

/** A value the test replaces, in the JSON text, with number text JSON.stringify cannot write (`1e999`). */
const BAD = '@@BAD@@';
const withRaw = (body: string, raw: string) => body.replaceAll(JSON.stringify(BAD), raw);

const UNUSABLE_COUNTS: Array<[string, string]> = [
  ['negative', '-5'],
  ['fractional', '2.5'],
  ['a numeric string', '"67"'],
  ['Infinity (1e999 in the JSON)', '1e999'],
  ['-Infinity', '-1e999'],
  ['astronomically large (1e300)', '1e300'],
  ['past 2^53', '9007199254740993'],
  ['an object', '{"value": 5}'],
];

type Report = Record<string, unknown>;
// The fixtures take a report object; BAD stands where the whole report goes (the casts below).
type ReportOrBad = Report | typeof BAD;

interface AdapterCase {
  name: string;
  provider(server: LoopbackServer): Provider;
  /** A streamed answer "Hello" that ends normally, carrying this usage report in the provider's field names. */
  stream(response: ServerResponse, usage: ReportOrBad, raw: string): Promise<void>;
  /** The same answer from the non-streaming endpoint. */
  whole(response: ServerResponse, usage: ReportOrBad, raw: string): void;
  /** A usable report, with BAD in place of its input total when `input` is BAD. */
  report(input: unknown): Report;
  /** What `report(100)` means in the contract's terms. */
  expected: Usage;
  /** Reports whose sub-counts exceed their totals, and what is kept of them. */
  oversized: { report: Report; usage: Usage };
  /** A report without one of the totals the provider's schema requires. */
  missingTotal: Report;
  /** Ollama puts the counts on the final line itself, not in a report object of their own. */
  countsOnTheLine?: true;
}

const sseText = (response: ServerResponse, body: string, raw: string) => sse(response, withRaw(body, raw));
const jsonText = (response: ServerResponse, body: unknown, raw: string) =>
  json(response, 200, withRaw(JSON.stringify(body), raw));

const openAiStream = (usage: ReportOrBad) =>
  dataEvents([textDelta('Hello'), finishChunk('stop'), openAiChunk(null, { usage }), '[DONE]']);
const openAiWhole = (usage: ReportOrBad) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'gpt-4.1-2025-04-14',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
  usage,
});
const openAiCase = (name: string, provider: (server: LoopbackServer) => Provider): AdapterCase => ({
  name,
  provider,
  stream: (response, usage, raw) => sseText(response, openAiStream(usage), raw),
  whole: (response, usage, raw) => jsonText(response, openAiWhole(usage), raw),
  report: (input) => ({
    prompt_tokens: input,
    completion_tokens: 30,
    total_tokens: 130,
    prompt_tokens_details: { cached_tokens: 40 },
    completion_tokens_details: { reasoning_tokens: 10 },
  }),
  expected: { inputTokens: 100, outputTokens: 30, cachedInputTokens: 40, reasoningTokens: 10 },
  oversized: {
    report: {
      prompt_tokens: 100,
      completion_tokens: 30,
      total_tokens: 130,
      prompt_tokens_details: { cached_tokens: 101, cache_write_tokens: 150 },
      completion_tokens_details: { reasoning_tokens: 31 },
    },
    usage: { inputTokens: 100, outputTokens: 30 },
  },
  missingTotal: { prompt_tokens: 100, total_tokens: 130 },
});

const CASES: AdapterCase[] = [
  openAiCase('OpenAI Chat Completions', (server) =>
    createProvider({ type: 'openai', openaiApi: 'chat', baseUrl: `${server.url}/v1`, apiKey: 'sk-test' }),
  ),
  openAiCase('Azure OpenAI', (server) =>
    createProvider({ type: 'azure-openai', baseUrl: `${server.url}/`, apiKey: '0123456789abcdef0123456789abcdef' }),
  ),
  {
    name: 'OpenAI Responses',
    provider: (server) =>
      createProvider({ type: 'openai', openaiApi: 'responses', baseUrl: `${server.url}/v1`, apiKey: 'sk-test' }),
    stream: (response, usage, raw) =>
      sseText(
        response,
        [created(), messageAdded(), partAdded(), responsesTextDelta('Hello'), completed(usage as Report)].join(''),
        raw,
      ),
    whole: (response, usage, raw) =>
      jsonText(
        response,
        snapshot('completed', {
          output: [
            {
              id: 'msg_1',
              type: 'message',
              status: 'completed',
              role: 'assistant',
              content: [{ type: 'output_text', text: 'Hello', annotations: [] }],
            },
          ],
          usage,
        }),
        raw,
      ),
    report: (input) => ({
      input_tokens: input,
      input_tokens_details: { cached_tokens: 40 },
      output_tokens: 30,
      output_tokens_details: { reasoning_tokens: 10 },
      total_tokens: 130,
    }),
    expected: { inputTokens: 100, outputTokens: 30, cachedInputTokens: 40, reasoningTokens: 10 },
    oversized: {
      report: {
        input_tokens: 100,
        input_tokens_details: { cached_tokens: 101 },
        output_tokens: 30,
        output_tokens_details: { reasoning_tokens: 31 },
        total_tokens: 130,
      },
      usage: { inputTokens: 100, outputTokens: 30 },
    },
    missingTotal: { output_tokens: 30, total_tokens: 130 },
  },
  {
    name: 'Anthropic',
    provider: (server) => createProvider({ type: 'anthropic', baseUrl: server.url, apiKey: 'sk-ant-test' }),
    stream: (response, usage, raw) =>
      sseText(
        response,
        [
          messageStart(usage as Report),
          blockStart(0, { type: 'text', text: '' }),
          blockDelta(0, { type: 'text_delta', text: 'Hello' }),
          blockStop(0),
          messageDelta('end_turn', null),
          messageStop(),
        ].join(''),
        raw,
      ),
    whole: (response, usage, raw) =>
      jsonText(
        response,
        {
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model: 'claude-opus-4-6',
          content: [{ type: 'text', text: 'Hello' }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage,
        },
        raw,
      ),
    // Anthropic's input_tokens leaves out cache reads and writes; the contract's input counts them.
    report: (input) => ({
      input_tokens: input,
      cache_read_input_tokens: 40,
      cache_creation_input_tokens: 0,
      output_tokens: 30,
      output_tokens_details: { thinking_tokens: 10 },
    }),
    expected: { inputTokens: 140, outputTokens: 30, cachedInputTokens: 40, reasoningTokens: 10 },
    oversized: {
      report: { input_tokens: 100, output_tokens: 30, output_tokens_details: { thinking_tokens: 31 } },
      usage: { inputTokens: 100, outputTokens: 30 },
    },
    missingTotal: { output_tokens: 30 },
  },
  {
    name: 'Gemini',
    provider: (server) => createProvider({ type: 'gemini', baseUrl: server.url, apiKey: 'AIzaSyTest' }),
    stream: (response, usage, raw) =>
      sseText(
        response,
        dataEvents([geminiChunk([{ text: 'Hello' }], { finishReason: 'STOP', usage: usage as Report })]),
        raw,
      ),
    whole: (response, usage, raw) =>
      jsonText(response, geminiChunk([{ text: 'Hello' }], { finishReason: 'STOP', usage: usage as Report }), raw),
    // Gemini counts thoughts apart from candidates; the contract's output includes them.
    report: (input) => ({
      promptTokenCount: input,
      cachedContentTokenCount: 40,
      candidatesTokenCount: 20,
      thoughtsTokenCount: 10,
      totalTokenCount: 130,
    }),
    expected: { inputTokens: 100, outputTokens: 30, cachedInputTokens: 40, reasoningTokens: 10 },
    oversized: {
      report: { promptTokenCount: 100, cachedContentTokenCount: 101, candidatesTokenCount: 30, totalTokenCount: 130 },
      usage: { inputTokens: 100, outputTokens: 30 },
    },
    missingTotal: { candidatesTokenCount: 30, totalTokenCount: 30 },
  },
  {
    name: 'Ollama',
    provider: (server) => createProvider({ type: 'ollama', baseUrl: server.url }),
    stream: (response, usage, raw) => {
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      response.end(
        withRaw(ndjsonLines([contentChunk('Hello'), { ...finalChunk('stop', {}), ...(usage as Report) }]), raw),
      );
      return Promise.resolve();
    },
    whole: (response, usage, raw) =>
      jsonText(
        response,
        { ...finalChunk('stop', {}), message: { role: 'assistant', content: 'Hello' }, ...(usage as Report) },
        raw,
      ),
    report: (input) => ({ prompt_eval_count: input, prompt_eval_cached_count: 40, eval_count: 30 }),
    expected: { inputTokens: 100, outputTokens: 30, cachedInputTokens: 40 },
    oversized: {
      report: { prompt_eval_count: 100, prompt_eval_cached_count: 101, eval_count: 30 },
      usage: { inputTokens: 100, outputTokens: 30 },
    },
    // Ollama leaves zero counts out, so a missing one is 0 there; a report with neither says nothing.
    missingTotal: { prompt_eval_cached_count: 40 },
    countsOnTheLine: true,
  },
];

const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'Hi' }] };
const HELLO_WITHOUT_USAGE: ChatEvent[] = [
  { type: 'text', text: 'Hello' },
  { type: 'finish', reason: 'stop' },
];
const helloWith = (usage: Usage): ChatEvent[] => [
  { type: 'text', text: 'Hello' },
  { type: 'usage', usage },
  { type: 'finish', reason: 'stop' },
];

describe('usage numbers at the adapter boundary', () => {
  const serve = useServers();

  for (const adapter of CASES) {
    describe(adapter.name, () => {
      async function answer(usage: ReportOrBad, raw = '0', stream = true): Promise<ChatEvent[]> {
        const server = await serve((_req, res) =>
          stream ? adapter.stream(res, usage, raw) : adapter.whole(res, usage, raw),
        );
        return withoutMetadata(await collect(adapter.provider(server).chat({ ...request, stream })));
      }

      it('a usable report passes unchanged, streamed and whole', async () => {
        assert.deepEqual(await answer(adapter.report(100)), helloWith(adapter.expected));
        assert.deepEqual(await answer(adapter.report(100), '0', false), helloWith(adapter.expected));
      });

      for (const [label, raw] of UNUSABLE_COUNTS) {
        it(`an input count that is ${label}: the answer stands, with no usage event`, async () => {
          assert.deepEqual(await answer(adapter.report(BAD), raw), HELLO_WITHOUT_USAGE);
        });
      }

      it('the non-streaming answer stands too when a count is unusable', async () => {
        assert.deepEqual(await answer(adapter.report(BAD), '"67"', false), HELLO_WITHOUT_USAGE);
        assert.deepEqual(await answer(adapter.report(BAD), '-5', false), HELLO_WITHOUT_USAGE);
      });

      if (!adapter.countsOnTheLine) {
        it('a usage report that is not an object at all is no report', async () => {
          assert.deepEqual(await answer(BAD, '"lots"'), HELLO_WITHOUT_USAGE);
          assert.deepEqual(await answer(BAD, '[1, 2]', false), HELLO_WITHOUT_USAGE);
        });
      }

      it('sub-counts larger than their totals are dropped; the totals are kept', async () => {
        assert.deepEqual(await answer(adapter.oversized.report), helloWith(adapter.oversized.usage));
      });

      it('a report missing a required total is no report (never priced as 0 tokens)', async () => {
        assert.deepEqual(await answer(adapter.missingTotal), HELLO_WITHOUT_USAGE);
      });
    });
  }

  describe("OpenRouter's reported cost", () => {
    const openRouter = (server: LoopbackServer) =>
      createProvider({ type: 'openai-compatible', baseUrl: `${server.url}/api/v1`, apiKey: 'sk-or-test' });
    const counts = { prompt_tokens: 194, completion_tokens: 2, total_tokens: 196 };

    async function costFor(raw: string): Promise<ChatEvent[]> {
      const server = await serve((_req, res) => sseText(res, openAiStream({ ...counts, cost: BAD }), raw));
      return (await collect(openRouter(server).chat(request))).filter((event) => event.type === 'usage');
    }

    it('a finite non-negative cost is kept', async () => {
      assert.deepEqual(await costFor('0.000095'), [
        { type: 'usage', usage: { inputTokens: 194, outputTokens: 2, costUsd: 0.000095 } },
      ]);
      assert.deepEqual(await costFor('0'), [
        { type: 'usage', usage: { inputTokens: 194, outputTokens: 2, costUsd: 0 } },
      ]);
    });

    for (const [label, raw] of [
      ['negative', '-0.5'],
      ['a string', '"0.95"'],
      ['Infinity', '1e999'],
      ['an object', '{"usd": 1}'],
    ]) {
      it(`a cost that is ${label} is dropped; the counts are kept`, async () => {
        assert.deepEqual(await costFor(raw!), [{ type: 'usage', usage: { inputTokens: 194, outputTokens: 2 } }]);
      });
    }
  });
});
