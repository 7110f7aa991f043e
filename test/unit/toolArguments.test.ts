// Tool-call arguments at the adapter boundary, both ways, against loopback servers speaking each
// provider's wire format: nesting is bounded with a typed, non-retryable error, and arguments that
// are not a JSON object go back as the model produced them, in the form each API accepts.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { type ChatEvent, type ChatMessage, type ChatRequest, type Provider, type ProviderError } from '../../src/core';
import { createProvider } from '../../src/core/provider';
import { collect, collectUntilError, useServers } from '../support/chat';
import { dataEvents, json, sse, type LoopbackServer } from '../support/loopback';
import { blockDelta, blockStart, blockStop, messageDelta, messageStart, messageStop } from '../fixtures/anthropicWire';
import { geminiChunk } from '../fixtures/geminiWire';
import { finalChunk, ndjsonLines } from '../fixtures/ollamaWire';
import { argsDone, callAdded, callDone, completed, created } from '../fixtures/openaiResponsesWire';
import { finishChunk, openAiChunk } from '../fixtures/openaiWire';

const LIMIT = 64;
/** JSON text of objects nested `depth` levels: `{"a":{"a":{}}}` is 3. */
const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;
/** Deep enough that JSON.stringify overflows the stack: what made the next turn fail before. */
const VERY_DEEP = 20_000;

/** Stands, in a payload, for arguments spliced in as raw JSON (the fixtures stringify their input). */
const ARGS = '@@ARGS@@';
const splice = (body: string, argsJson: string) => body.replaceAll(JSON.stringify(ARGS), argsJson);

interface AdapterCase {
  name: string;
  provider(server: LoopbackServer): Provider;
  /** Answers with one call to get_weather whose arguments are this JSON text (or, on text wires, this text). */
  answerWithCall(response: ServerResponse, args: string): Promise<void> | void;
  /** Where the arguments of the first echoed call sit in the request body sent for the next turn. */
  sentArguments(body: Record<string, unknown>): unknown;
  /** The API takes arguments as JSON text (OpenAI's two APIs) rather than as an object. */
  textWire: boolean;
}

type Body = Record<string, unknown>;
const list = (value: unknown) => value as Body[];

const openAiChatCase = (name: string, provider: (server: LoopbackServer) => Provider): AdapterCase => ({
  name,
  provider,
  textWire: true,
  answerWithCall: (response, args) =>
    sse(
      response,
      dataEvents([
        openAiChunk({
          delta: {
            role: 'assistant',
            content: null,
            tool_calls: [
              { index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: args } },
            ],
          },
        }),
        finishChunk('tool_calls'),
        '[DONE]',
      ]),
    ),
  sentArguments: (body) =>
    (list(list(body.messages).find((message) => message.role === 'assistant')?.tool_calls)[0]!.function as Body)
      .arguments,
});

const CASES: AdapterCase[] = [
  openAiChatCase('OpenAI Chat Completions', (server) =>
    createProvider({ type: 'openai', openaiApi: 'chat', baseUrl: `${server.url}/v1`, apiKey: 'sk-test' }),
  ),
  openAiChatCase('Azure OpenAI', (server) =>
    createProvider({ type: 'azure-openai', baseUrl: `${server.url}/`, apiKey: '0123456789abcdef0123456789abcdef' }),
  ),
  {
    name: 'OpenAI Responses',
    provider: (server) =>
      createProvider({ type: 'openai', openaiApi: 'responses', baseUrl: `${server.url}/v1`, apiKey: 'sk-test' }),
    textWire: true,
    answerWithCall: (response, args) =>
      sse(
        response,
        [
          created(),
          callAdded('fc_1', 'call_1', 'get_weather'),
          argsDone('fc_1', args),
          callDone('fc_1', 'call_1', 'get_weather', args),
          completed(null),
        ].join(''),
      ),
    sentArguments: (body) => list(body.input).find((item) => item.type === 'function_call')!.arguments,
  },
  {
    name: 'Anthropic',
    provider: (server) => createProvider({ type: 'anthropic', baseUrl: server.url, apiKey: 'sk-ant-test' }),
    textWire: false,
    // Streamed as input_json_delta text, the one place Anthropic's arguments arrive as text.
    answerWithCall: (response, args) =>
      sse(
        response,
        [
          messageStart(),
          blockStart(0, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }),
          blockDelta(0, { type: 'input_json_delta', partial_json: args }),
          blockStop(0),
          messageDelta('tool_use'),
          messageStop(),
        ].join(''),
      ),
    sentArguments: (body) =>
      list(list(body.messages).find((message) => message.role === 'assistant')!.content).find(
        (block) => block.type === 'tool_use',
      )!.input,
  },
  {
    name: 'Gemini',
    provider: (server) => createProvider({ type: 'gemini', baseUrl: server.url, apiKey: 'AIzaSyTest' }),
    textWire: false,
    answerWithCall: (response, args) =>
      sse(
        response,
        splice(
          dataEvents([geminiChunk([{ functionCall: { name: 'get_weather', args: ARGS } }], { finishReason: 'STOP' })]),
          args,
        ),
      ),
    sentArguments: (body) =>
      (
        list(list(body.contents).find((content) => content.role === 'model')!.parts).find((part) => part.functionCall)!
          .functionCall as Body
      ).args,
  },
  {
    name: 'Ollama',
    provider: (server) => createProvider({ type: 'ollama', baseUrl: server.url }),
    textWire: false,
    answerWithCall: (response, args) => {
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const call = {
        model: 'qwen3',
        message: {
          role: 'assistant',
          content: '',
          tool_calls: [{ function: { name: 'get_weather', arguments: ARGS } }],
        },
        done: false,
      };
      response.end(splice(ndjsonLines([call, finalChunk('stop')]), args));
    },
    sentArguments: (body) =>
      (list(list(body.messages).find((message) => message.role === 'assistant')!.tool_calls)[0]!.function as Body)
        .arguments,
  },
];

const request: ChatRequest = {
  model: 'm',
  messages: [{ role: 'user', content: 'Weather in Paris?' }],
  tools: [{ name: 'get_weather', parameters: { type: 'object' } }],
};
/** The next turn: the call as the model made it, and the tool's answer. */
const nextTurn = (args: unknown): ChatRequest => ({
  ...request,
  messages: [
    ...request.messages,
    { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: args }] },
    { role: 'tool', toolCallId: 'call_1', toolName: 'get_weather', content: 'Invalid arguments' },
  ] satisfies ChatMessage[],
});
const calls = (events: ChatEvent[]) =>
  events.filter((event) => event.type === 'tool-call').map((event) => event.arguments);

function assertTooDeep(error: ProviderError): void {
  assert.equal(error.kind, 'bad_request');
  assert.equal(error.code, 'tool_arguments_too_deep');
  assert.match(error.message, new RegExp(`deeper than ${LIMIT} levels`));
}

describe('tool-call arguments at the adapter boundary', () => {
  const serve = useServers();

  for (const adapter of CASES) {
    describe(adapter.name, () => {
      it(`arguments nested ${LIMIT} levels arrive whole; ${LIMIT + 1} levels fail the answer with a typed bad_request`, async () => {
        const server = await serve((_req, res, n) => adapter.answerWithCall(res, nested(n === 0 ? LIMIT : LIMIT + 1)));
        assert.deepEqual(calls(await collect(adapter.provider(server).chat(request))), [JSON.parse(nested(LIMIT))]);
        assertTooDeep((await collectUntilError(adapter.provider(server).chat(request))).error);
      });

      it(`arguments nested ${VERY_DEEP} levels from the model: a typed bad_request, not a RangeError on the next turn`, async () => {
        const server = await serve((_req, res) => adapter.answerWithCall(res, nested(VERY_DEEP)));
        const { error } = await collectUntilError(adapter.provider(server).chat(request));
        assertTooDeep(error);
        assert.match(error.message, /sent tool-call arguments/);
      });

      it('arguments nested too deep in the history: a typed bad_request before anything is sent', async () => {
        const server = await serve((_req, res) => json(res, 500, {}));
        for (const depth of [LIMIT + 1, VERY_DEEP]) {
          const { error } = await collectUntilError(adapter.provider(server).chat(nextTurn(JSON.parse(nested(depth)))));
          assertTooDeep(error);
          assert.match(error.message, /earlier call to get_weather/);
        }
        assert.equal(server.requests.length, 0);
      });

      if (adapter.textWire) {
        it('text that is not valid JSON reaches the caller as that text and goes back exactly as the model wrote it', async () => {
          const broken = '{"city": "Par';
          const server = await serve((_req, res, n) => adapter.answerWithCall(res, n === 0 ? broken : '{}'));
          const provider = adapter.provider(server);
          const [args] = calls(await collect(provider.chat(request)));
          assert.equal(args, broken);
          await collect(provider.chat(nextTurn(args)));
          assert.equal(adapter.sentArguments(JSON.parse(server.requests[1]!.body) as Body), broken);
        });

        it('JSON that is not an object (no tool takes one) stays the text the model wrote, both ways', async () => {
          const server = await serve((_req, res, n) => adapter.answerWithCall(res, n === 0 ? '["Paris"]' : '{}'));
          const provider = adapter.provider(server);
          const [args] = calls(await collect(provider.chat(request)));
          assert.equal(args, '["Paris"]');
          await collect(provider.chat(nextTurn(args)));
          assert.equal(adapter.sentArguments(JSON.parse(server.requests[1]!.body) as Body), '["Paris"]');
        });
      } else {
        it(`text that is not a JSON object goes back as an object carrying the text (the API takes only objects): { raw_arguments: text }`, async () => {
          const server = await serve((_req, res) => adapter.answerWithCall(res, '{}'));
          const provider = adapter.provider(server);
          for (const text of ['{"city": "Par', '["Paris"]']) await collect(provider.chat(nextTurn(text)));
          // A JSON object's text (history built by another host) goes as the object.
          await collect(provider.chat(nextTurn('{"city": "Paris"}')));
          assert.deepEqual(
            server.requests.map((sent) => adapter.sentArguments(JSON.parse(sent.body) as Body)),
            [{ raw_arguments: '{"city": "Par' }, { raw_arguments: '["Paris"]' }, { city: 'Paris' }],
          );
        });
      }
    });
  }

  it("Anthropic's streamed input_json that does not parse: the text reaches the caller, and goes back inside an object", async () => {
    const anthropic = CASES.find((adapter) => adapter.name === 'Anthropic')!;
    const broken = '{"city": "Par';
    const server = await serve((_req, res) => anthropic.answerWithCall(res, broken));
    const provider = anthropic.provider(server);
    const [args] = calls(await collect(provider.chat(request)));
    assert.equal(args, broken);
    await collect(provider.chat(nextTurn(args)));
    assert.deepEqual(anthropic.sentArguments(JSON.parse(server.requests[1]!.body) as Body), { raw_arguments: broken });
  });

  it('Gemini: a tool result nested too deep goes as text, not as an object that cannot be serialised', async () => {
    const gemini = CASES.find((adapter) => adapter.name === 'Gemini')!;
    const server = await serve((_req, res) => gemini.answerWithCall(res, '{}'));
    const result = nested(VERY_DEEP);
    const turn = nextTurn({ city: 'Paris' });
    turn.messages[2]!.content = result;
    await collect(gemini.provider(server).chat(turn));
    const contents = list((JSON.parse(server.requests[0]!.body) as Body).contents);
    const response = list(contents.at(-1)!.parts)[0]!.functionResponse as Body;
    assert.deepEqual(response.response, { content: result });
  });
});
