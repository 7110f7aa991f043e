// /compare (src/chat/compare.ts) and the model choice (src/chat/model.ts) called directly, with the
// extension's real services and OpenAI-compatible providers on 127.0.0.1.
import assert from 'node:assert/strict';
import { answer } from '../../src/chat/answer';
import { compare } from '../../src/chat/compare';
import { chooseModel, enabledModels, resolveModels } from '../../src/chat/model';
import type { ModelRef } from '../../src/core';
import {
  answerTurn,
  chatRequest,
  chatSession,
  openAiError,
  openAiServer,
  recordingStream,
  setUp,
  token,
} from './chatModulesSupport';
import { openAiStream, testingApi, until } from './support';

const timeless = (text: string) => text.replace(/\b\d+\.\d s\b/g, 'T s');
const key = (providerId: string) => `${providerId}/gpt-4o`;

describe('the chat modules with the real services: compare and model', () => {
  it('/compare asks each model in turn and ends with a table of tokens, cost and time; a failing model is a row, not the end', async () => {
    const { cost } = await testingApi();
    const { session } = await chatSession();
    const test = await setUp();
    const order: string[] = [];
    const alpha = await openAiServer((res) => {
      order.push('alpha');
      openAiStream(res, ['Alpha says ', 'hi'], { prompt_tokens: 1200, completion_tokens: 300 });
    });
    const beta = await openAiServer((res) => {
      order.push('beta');
      openAiError(res, 500, 'The server had an error while processing your request.', 'server_error', null);
    });
    const gamma = await openAiServer((res) => {
      order.push('gamma');
      openAiStream(res, ['Gamma says hi'], { prompt_tokens: 2000, completion_tokens: 500 });
    });
    try {
      const a = await test.provider('Modules Alpha', alpha);
      const b = await test.provider('Modules Beta', beta);
      const c = await test.provider('Modules Gamma', gamma);
      await test.set('retry.maxAttempts', 1);
      const { stream, of } = recordingStream();
      const prompt = `${key(a)}, ${key(b)}, ${key(c)}: Explain this regex`;
      const result = await compare(
        session,
        chatRequest(prompt, { command: 'compare' }),
        { history: [] },
        stream,
        {},
        token(),
      );

      assert.deepEqual(order, ['alpha', 'beta', 'gamma']);
      for (const server of [alpha, beta, gamma])
        assert.deepEqual(server.chats.at(0)?.messages.at(-1), { role: 'user', content: 'Explain this regex' });
      const markdown = of('markdown').map(timeless);
      assert.deepEqual(markdown.slice(0, -1), [
        '### Modules Alpha gpt\\-4o\n\n',
        // Two deltas written at once: one piece.
        'Alpha says hi',
        '\n\n',
        '### Modules Beta gpt\\-4o\n\n',
        '\n\n*No model in the chain could answer\\. Modules Beta gpt\\-4o: Modules Beta had a server error \\(500\\): ' +
          'The server had an error while processing your request\\.*\n\n',
        '### Modules Gamma gpt\\-4o\n\n',
        'Gamma says hi',
        '\n\n',
      ]);
      // $0.0018 and $0.0030 at $1/M in and $2/M out.
      assert.equal(
        markdown.at(-1),
        '\n\n---\n*Compared*\n\n' +
          '| Model | Tokens in / out | Cost | Time |\n| --- | ---: | ---: | ---: |\n' +
          '| Modules Alpha gpt\\-4o | 1,200 / 300 | $0.0018 | T s |\n' +
          '| Modules Beta gpt\\-4o | – | server error (500) | – |\n' +
          '| Modules Gamma gpt\\-4o | 2,000 / 500 | $0.0030 | T s |\n\n' +
          'Total $0.0048.',
      );
      assert.deepEqual(result, { metadata: { command: 'compare' } });
      assert.deepEqual(session.lastCompared, [
        { providerId: a, modelId: 'gpt-4o' },
        { providerId: b, modelId: 'gpt-4o' },
        { providerId: c, modelId: 'gpt-4o' },
      ] satisfies ModelRef[]);
      const records = await until(async () => {
        const mine = (await cost.recentRequests()).filter((record) => [a, b, c].includes(record.providerId));
        return mine.length === 3 ? mine : undefined;
      }, 'the three requests to be recorded');
      assert.deepEqual(
        records.map((record) => [record.providerId, record.surface, record.outcome, record.usage.outputTokens]),
        [
          [a, 'chat', 'ok', 300],
          [b, 'chat', 'error', 0],
          [c, 'chat', 'ok', 500],
        ],
      );
    } finally {
      await test.cleanUp();
    }
  });

  it("the picker's Switchboard model answers instead of the default; /model's choice holds until the picker changes", async () => {
    const { session, services } = await chatSession();
    const test = await setUp();
    const answering = (text: string) =>
      openAiServer((res) => openAiStream(res, [text], { prompt_tokens: 10, completion_tokens: 2 }));
    const alpha = await answering('From alpha');
    const beta = await answering('From beta');
    const gamma = await answering('From gamma');
    try {
      const a = await test.provider('Modules Default', alpha);
      const b = await test.provider('Modules Picked', beta);
      const c = await test.provider('Modules Chosen', gamma);
      await services.registry.setDefault(a, 'gpt-4o');

      // VS Code's picker shows Modules Picked: it answers, not the default.
      const first = recordingStream();
      const picked = await answer(
        session,
        chatRequest('First', { picker: key(b) }),
        { history: [] },
        first.stream,
        token(),
      );
      assert.equal(first.of('markdown')[0], 'From beta');
      assert.deepEqual(picked, { metadata: { picker: key(b), providerId: b, model: 'gpt-4o' } });
      assert.deepEqual([alpha.chats.length, beta.chats.length], [0, 1]);

      // `/model Modules Chosen's gpt-4o`, named by its key: one match, no picker shown.
      const chosen = recordingStream();
      const choice = await chooseModel(
        services,
        chatRequest(key(c), { picker: key(b), command: 'model' }),
        chosen.stream,
        picked.metadata ?? {},
        token(),
      );
      // With the difference per answer from the model it was on (the same prices: about the same).
      const said = chosen.of('markdown');
      assert.equal(said.length, 1);
      assert.match(
        said[0]!,
        /^This conversation now continues on \*\*Modules Chosen gpt\\-4o\*\* \(\$1\.00 in · \$2\.00 out per million tokens, 64k context\)\. Modules Chosen gpt\\-4o: about the same per answer as Modules Picked gpt\\-4o .* New conversations start on the model picked in the chat's model picker, or the default\.$/,
      );
      assert.deepEqual(choice, {
        metadata: { picker: key(b), providerId: c, model: 'gpt-4o', command: 'model' },
      });

      // The next question, with the picker unchanged: the conversation's model answers.
      const next = recordingStream();
      const after = await answer(
        session,
        chatRequest('Second', { picker: key(b) }),
        { history: [answerTurn(choice)] },
        next.stream,
        token(),
      );
      assert.equal(next.of('markdown')[0], 'From gamma');
      assert.deepEqual(after.metadata, { picker: key(b), providerId: c, model: 'gpt-4o' });
      assert.deepEqual([alpha.chats.length, beta.chats.length, gamma.chats.length], [0, 1, 1]);
      // The /model turn is not conversation: only the new question is sent.
      assert.deepEqual(gamma.chats[0]!.messages, [{ role: 'user', content: 'Second' }]);

      // The user then picks another Switchboard model in VS Code's picker: the new pick answers.
      const repicked = recordingStream();
      const third = await answer(
        session,
        chatRequest('Third', { picker: key(a) }),
        { history: [answerTurn(after)] },
        repicked.stream,
        token(),
      );
      assert.equal(repicked.of('markdown')[0], 'From alpha');
      assert.deepEqual(third.metadata, { picker: key(a), providerId: a, model: 'gpt-4o' });
      assert.deepEqual([alpha.chats.length, beta.chats.length, gamma.chats.length], [1, 1, 1]);
    } finally {
      await test.cleanUp();
    }
  });

  it("resolveModels finds keys, bare ids and listed models; a disabled provider's models are not offered or used", async () => {
    const { session, services } = await chatSession();
    const { registry } = services;
    const test = await setUp();
    const alpha = await openAiServer((res) =>
      openAiStream(res, ['Default here'], { prompt_tokens: 10, completion_tokens: 2 }),
    );
    const beta = await openAiServer(
      (res) => openAiStream(res, ['Should not answer'], { prompt_tokens: 10, completion_tokens: 2 }),
      ['gpt-4o', 'only-on-beta'],
    );
    try {
      const a = await test.provider('Modules Enabled', alpha);
      const b = await test.provider('Modules Disabled', beta);
      await registry.setDefault(a, 'gpt-4o');
      const mine = (models: ModelRef[]) => models.filter((model) => [a, b].includes(model.providerId));
      const resolve = async (words: string[]) =>
        (await resolveModels(services, words, new AbortController().signal)).map(mine);

      assert.deepEqual(mine(enabledModels(registry)), [
        { providerId: a, modelId: 'gpt-4o' },
        { providerId: b, modelId: 'gpt-4o' },
      ]);
      assert.deepEqual(await resolve([key(b), 'gpt-4o', 'only-on-beta']), [
        [{ providerId: b, modelId: 'gpt-4o' }],
        [
          { providerId: a, modelId: 'gpt-4o' },
          { providerId: b, modelId: 'gpt-4o' },
        ],
        [{ providerId: b, modelId: 'only-on-beta' }],
      ]);
      assert.equal(beta.listed, 1, 'a word no chosen model matches is looked up in the lists, once');

      await registry.setEnabled(b, false);
      assert.deepEqual(mine(enabledModels(registry)), [{ providerId: a, modelId: 'gpt-4o' }]);
      assert.deepEqual(await resolve([key(b), 'only-on-beta']), [[], []]);
      assert.equal(beta.listed, 1, 'a disabled provider is not asked for its list');

      // Still in VS Code's picker from before it was disabled: the default answers instead.
      const { stream, of } = recordingStream();
      const result = await answer(
        session,
        chatRequest('Who is there?', { picker: key(b) }),
        { history: [] },
        stream,
        token(),
      );
      assert.equal(of('markdown')[0], 'Default here');
      assert.deepEqual(result.metadata, { picker: key(b), providerId: a, model: 'gpt-4o' });
      assert.deepEqual([alpha.chats.length, beta.chats.length], [1, 0]);
    } finally {
      await test.cleanUp();
    }
  });
});
