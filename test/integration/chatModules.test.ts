// The chat's answer path (src/chat/answer.ts) called directly, with the extension's real registry,
// routing, budgets and ledger, and providers on 127.0.0.1 speaking OpenAI's wire format.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { answer, fit, priced } from '../../src/chat/answer';
import {
  chatRequest,
  chatSession,
  openAiError,
  openAiServer,
  recordingStream,
  setUp,
  token,
} from './chatModulesSupport';
import { openAiStream, testingApi, until } from './support';

/** The footer's time varies: "0.0 s" becomes "T s". */
const timeless = (text: string) => text.replace(/\b\d+\.\d s\b/g, 'T s');

describe('the chat modules with the real services: answer', () => {
  it('streams the text in order, ends with a footer of the reported tokens and price, and records a chat request', async () => {
    const { cost } = await testingApi();
    const { session } = await chatSession();
    const test = await setUp();
    const alpha = await openAiServer((res) =>
      openAiStream(res, ['Hel', 'lo', ' world'], { prompt_tokens: 1200, completion_tokens: 300 }),
    );
    try {
      const id = await test.provider('Modules Answer', alpha);
      await session.services.registry.setDefault(id, 'gpt-4o');
      const { stream, parts, of } = recordingStream();
      const result = await answer(session, chatRequest('Say hello'), { history: [] }, stream, token());

      assert.deepEqual(
        parts.map((part) => part.kind),
        ['progress', 'markdown', 'markdown'],
      );
      // The estimate before sending: a few prompt tokens at $1/M, up to 1,000 answer tokens at $2/M.
      assert.match(of('progress')[0]!, /^Asking Modules Answer gpt\\-4o · estimated \$0\.0000\d+ – \$0\.0020$/);
      // 1,200 tokens at $1/M and 300 at $2/M: $0.0018.
      // The three deltas were written at once: they reach the chat as one piece.
      assert.deepEqual(of('markdown').map(timeless), [
        'Hello world',
        '\n\n---\n*Modules Answer · gpt\\-4o · 1,200 in / 300 out · $0.0018 · T s*',
      ]);
      assert.deepEqual(result, { metadata: { providerId: id, model: 'gpt-4o' } });
      assert.deepEqual(
        alpha.chats.map((chat) => chat.model),
        ['gpt-4o'],
      );
      assert.deepEqual(alpha.chats[0]!.messages.at(-1), { role: 'user', content: 'Say hello' });

      const recorded = await until(
        async () => (await cost.recentRequests()).find((record) => record.providerId === id),
        'the chat request to be recorded',
      );
      assert.deepEqual(
        [recorded.modelId, recorded.surface, recorded.outcome, recorded.usage.inputTokens, recorded.usage.outputTokens],
        ['gpt-4o', 'chat', 'ok', 1200, 300],
      );
      assert.equal(recorded.cost.basis, 'computed');
      assert.ok(Math.abs(recorded.cost.usd! - 0.0018) < 1e-12, String(recorded.cost.usd));
      // What the footer priced is what `priced` says for that usage.
      const footerPrice = await priced(cost, {
        answeredBy: { providerId: id, providerName: 'Modules Answer', model: 'gpt-4o' },
        usage: { inputTokens: 1200, outputTokens: 300 },
        switches: [],
        ms: 0,
      });
      assert.equal(footerPrice.text, '$0.0018');
    } finally {
      await test.cleanUp();
    }
  });

  it('a 500 on the first model and a 429 on the second fall over to the third; the footer says who answered and why', async () => {
    const { cost } = await testingApi();
    const { session } = await chatSession();
    const test = await setUp();
    const broken = await openAiServer((res) =>
      openAiError(res, 500, 'The server had an error while processing your request.', 'server_error', null),
    );
    const limited = await openAiServer((res) =>
      openAiError(res, 429, 'Rate limit reached for requests', 'requests', 'rate_limit_exceeded'),
    );
    const backup = await openAiServer((res) =>
      openAiStream(res, ['Backup answer'], { prompt_tokens: 20, completion_tokens: 5 }),
    );
    try {
      const first = await test.provider('Modules Broken', broken);
      const second = await test.provider('Modules Limited', limited);
      const third = await test.provider('Modules Backup', backup);
      await session.services.registry.setDefault(first, 'gpt-4o');
      await test.set('fallback.chain', [
        { provider: second, model: 'gpt-4o' },
        { provider: third, model: 'gpt-4o' },
      ]);
      // One try per model: no retry waits.
      await test.set('retry.maxAttempts', 1);
      const { stream, of } = recordingStream();
      const result = await answer(session, chatRequest('Are you there?'), { history: [] }, stream, token());

      assert.deepEqual(of('progress').slice(1), [
        'Modules Broken gpt\\-4o failed \\(500\\); trying Modules Limited gpt\\-4o',
        'Modules Limited gpt\\-4o failed \\(429\\); trying Modules Backup gpt\\-4o',
      ]);
      assert.deepEqual(of('markdown').map(timeless), [
        'Backup answer',
        '\n\n---\n*Modules Backup · gpt\\-4o · 20 in / 5 out · $0.00003 · T s*' +
          '  \nAnswered by Modules Backup gpt\\-4o after Modules Broken gpt\\-4o returned 500 (server error), ' +
          'Modules Limited gpt\\-4o returned 429 (rate limited).',
      ]);
      assert.deepEqual(result, { metadata: { providerId: third, model: 'gpt-4o' } });
      assert.deepEqual([broken.chats.length, limited.chats.length, backup.chats.length], [1, 1, 1]);
      // Each try is in the ledger under its own model: two failures, then the answer with its usage.
      const records = await until(async () => {
        const mine = (await cost.recentRequests()).filter((record) =>
          [first, second, third].includes(record.providerId),
        );
        return mine.length === 3 ? mine : undefined;
      }, 'the three tries to be recorded');
      assert.deepEqual(
        records.map((record) => [
          record.providerId,
          record.surface,
          record.outcome,
          record.usage.inputTokens,
          record.usage.outputTokens,
        ]),
        [
          [first, 'chat', 'error', 0, 0],
          [second, 'chat', 'error', 0, 0],
          [third, 'chat', 'ok', 20, 5],
        ],
      );
    } finally {
      await test.cleanUp();
    }
  });

  it('cancelling mid-stream closes the request to the server, ends the answer there, and records nothing as ok', async () => {
    const { cost } = await testingApi();
    const { session } = await chatSession();
    const test = await setUp();
    let socketClosed = false;
    const slow = await openAiServer((res, req) => {
      req.socket.on('close', () => (socketClosed = true));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // The first piece, then nothing: the rest of the answer never comes.
      res.write(
        `data: ${JSON.stringify({ choices: [{ index: 0, delta: { role: 'assistant', content: 'Once upon' }, finish_reason: null }] })}\n\n`,
      );
      // Should the cancel not reach the server, the answer ends after 5 s and the test fails on what follows.
      const fallback = setTimeout(() => res.end('data: [DONE]\n\n'), 5_000);
      res.on('close', () => clearTimeout(fallback));
    });
    const source = new vscode.CancellationTokenSource();
    try {
      const id = await test.provider('Modules Slow', slow);
      await session.services.registry.setDefault(id, 'gpt-4o');
      // The user presses Stop as soon as the first words appear.
      const { stream, of } = recordingStream(() => source.cancel());
      const result = await answer(session, chatRequest('Tell me a story'), { history: [] }, stream, source.token);

      assert.deepEqual(of('markdown'), ['Once upon'], 'no footer after a cancel');
      assert.deepEqual(result, { metadata: {} });
      await until(() => (socketClosed ? true : undefined), 'the server to see the connection close', 5_000);
      assert.equal(slow.chats.length, 1);
      const recorded = await until(
        async () => (await cost.recentRequests()).find((record) => record.providerId === id),
        'the cancelled request to be recorded',
      );
      assert.deepEqual([recorded.surface, recorded.outcome], ['chat', 'cancelled']);
      assert.deepEqual(
        (await cost.recentRequests()).filter((record) => record.providerId === id && record.outcome === 'ok'),
        [],
      );
    } finally {
      source.dispose();
      await test.cleanUp();
    }
  });

  it('a hard-stop budget the request would exceed refuses it before anything is sent, with the budget sentence', async () => {
    const { cost } = await testingApi();
    const { session } = await chatSession();
    const test = await setUp();
    const metered = await openAiServer((res) =>
      openAiStream(res, ['Too dear'], { prompt_tokens: 5, completion_tokens: 2 }),
    );
    const backup = await openAiServer((res) =>
      openAiStream(res, ['Elsewhere'], { prompt_tokens: 5, completion_tokens: 1 }),
    );
    try {
      const id = await test.provider('Modules Budgeted', metered);
      const other = await test.provider('Modules Elsewhere', backup);
      await session.services.registry.setDefault(id, 'gpt-4o');
      await test.set('fallback.chain', [{ provider: other, model: 'gpt-4o' }]);
      // $0.00001 a day for this model: less than a prompt and 16 answer tokens at $1/M and $2/M.
      await test.set('budgets', [
        {
          id: 'chat-modules-stop',
          scope: { kind: 'model', providerId: id, modelId: 'gpt-4o' },
          period: 'daily',
          limitUsd: 0.00001,
          mode: 'stop',
        },
      ]);
      await until(
        () => (cost.budgets().some((budget) => budget.id === 'chat-modules-stop') ? true : undefined),
        'the budget to apply',
      );
      const { stream, parts, of } = recordingStream();
      const result = await answer(session, chatRequest('Expensive question'), { history: [] }, stream, token());

      assert.equal(
        result.errorDetails?.message,
        'This request would exceed the daily budget of $0\\.00001: $0\\.00001 left\\.',
      );
      assert.deepEqual(of('markdown'), [], 'no answer and no footer');
      assert.match(of('progress')[0]!, /^Asking Modules Budgeted gpt\\-4o · estimated /);
      // The last button is the chain's; the one before it depends on `instanceof RouteError`, which this
      // test bundle's copy of the class cannot satisfy for the extension's errors, so it is not checked here.
      assert.equal(of('button').at(-1), 'Edit Fallback Chain');
      assert.ok(parts.every((part) => part.kind === 'progress' || part.kind === 'button'));
      // Refused before sending, and a hard stop does not go on to the next model either.
      assert.deepEqual([metered.chats.length, backup.chats.length], [0, 0]);
      assert.deepEqual(
        (await cost.recentRequests()).filter((record) => record.providerId === id || record.providerId === other),
        [],
      );
    } finally {
      await test.cleanUp();
    }
  });

  it('fit: the prompt goes last after the history, counted for the window of the model it is fitted to', async () => {
    const { session } = await chatSession();
    const test = await setUp();
    const server = await openAiServer((res) =>
      openAiStream(res, ['unused'], { prompt_tokens: 1, completion_tokens: 1 }),
    );
    try {
      const id = await test.provider('Modules Fit', server);
      const fitted = await fit(
        session.services,
        { provider: id, model: 'gpt-4o' },
        [
          { role: 'user', content: 'Earlier question' },
          { role: 'assistant', content: 'Earlier answer' },
        ],
        'Now this',
        [],
      );
      assert.deepEqual(
        [fitted.contextWindow, fitted.maxOutputTokens, fitted.fitted.droppedMessages],
        [64_000, 1_000, 0],
      );
      assert.deepEqual(fitted.fitted.messages, [
        { role: 'user', content: 'Earlier question' },
        { role: 'assistant', content: 'Earlier answer' },
        { role: 'user', content: 'Now this' },
      ]);
      assert.ok(fitted.promptTokens > 3 * 4 && fitted.promptTokens < 40, String(fitted.promptTokens));
      assert.equal(server.chats.length, 0, 'fitting sends nothing');
    } finally {
      await test.cleanUp();
    }
  });
});
