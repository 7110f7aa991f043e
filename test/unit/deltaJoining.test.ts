import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import type { ChatEvent } from '../../src/core';
import { createProvider } from '../../src/core/provider';
import { useServers } from '../support/chat';

const serve = useServers();
const request = { model: 'm', messages: [{ role: 'user' as const, content: 'Hi' }] };

const openAiDelta = (text: string) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`;
const openAiTail =
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n` +
  'data: [DONE]\n\n';
const anthropicDelta = (text: string) =>
  `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })}\n\n`;
const anthropicHead =
  `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { model: 'm', usage: { input_tokens: 3, output_tokens: 1 } } })}\n\n` +
  `event: content_block_start\ndata: ${JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })}\n\n`;
const anthropicTail =
  `event: content_block_stop\ndata: ${JSON.stringify({ type: 'content_block_stop', index: 0 })}\n\n` +
  `event: message_delta\ndata: ${JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 5 } })}\n\n` +
  `event: message_stop\ndata: ${JSON.stringify({ type: 'message_stop' })}\n\n`;

const FORMATS = {
  'OpenAI Chat Completions': {
    type: 'openai-compatible' as const,
    head: '',
    delta: openAiDelta,
    tail: openAiTail,
    baseUrl: (url: string) => `${url}/v1`,
  },
  'Anthropic Messages': {
    type: 'anthropic' as const,
    head: anthropicHead,
    delta: anthropicDelta,
    tail: anthropicTail,
    baseUrl: (url: string) => url,
  },
};

describe('streamed deltas: those of one network read come as one event, none waits for a later read', () => {
  for (const [name, format] of Object.entries(FORMATS)) {
    it(name, async () => {
      let firstSeen!: () => void;
      const seen = new Promise<void>((resolve) => (firstSeen = resolve));
      const server = await serve(async (_request, response: ServerResponse) => {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(format.head + ['Hel', 'lo', ', '].map(format.delta).join(''));
        // The rest only once the client holds the first read's text: it was not held back for more.
        await seen;
        response.write(['wör', 'ld'].map(format.delta).join(''));
        response.end(format.tail);
      });
      const provider = createProvider({ type: format.type, baseUrl: format.baseUrl(server.url), apiKey: 'k' });
      const texts: string[] = [];
      const kinds: ChatEvent['type'][] = [];
      for await (const event of provider.chat(request)) {
        kinds.push(event.type);
        if (event.type !== 'text') continue;
        texts.push(event.text);
        firstSeen();
      }
      assert.deepEqual(texts, ['Hello, ', 'wörld']);
      assert.equal(kinds.at(-1), 'finish');
    });
  }
});
