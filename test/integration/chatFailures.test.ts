// What chat says when a request fails, and the buttons that fix it (src/chat/failure.ts through
// answer()), with the extension's real registry, routing and budgets and OpenAI-format servers on
// 127.0.0.1 answering as OpenAI documents its errors.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answer } from '../../src/chat/answer';
import type { SwitchboardChatMetadata } from '../../src/chat/metadata';
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

/** Chat's text as the user reads it (progress and errors are Markdown-escaped). */
const plain = (text: string | undefined) => text?.replace(/\\(.)/g, '$1');

describe('the chat modules with the real services: failures that say what to do', () => {
  it('an invalid key: "Your … API key is invalid", with Set API Key', async () => {
    const { session } = await chatSession();
    const test = await setUp();
    const server = await openAiServer((res) =>
      openAiError(
        res,
        401,
        'Incorrect API key provided: sk-proj-****cdef. You can find your API key at https://platform.openai.com/account/api-keys.',
        'invalid_request_error',
        'invalid_api_key',
      ),
    );
    try {
      const id = await test.provider('Keyed OpenAI', server);
      await session.services.registry.setDefault(id, 'gpt-4o');
      const { stream, of } = recordingStream();
      const result = await answer(session, chatRequest('Hello?'), { history: [] }, stream, token());
      assert.equal(
        plain(result.errorDetails?.message),
        'Your Keyed OpenAI API key is invalid. Please check and try again.',
      );
      assert.deepEqual(of('button'), ['Set API Key']);
    } finally {
      await test.cleanUp();
    }
  });

  it('a rate limit: "… rate limit hit. Retrying in 2 seconds…", counted down each second, then the answer', async () => {
    const { session } = await chatSession();
    const test = await setUp();
    let calls = 0;
    const server = await openAiServer((res) => {
      if (calls++ === 0) {
        res.setHeader('retry-after', '2');
        openAiError(
          res,
          429,
          'Rate limit reached for gpt-4o on requests per min (RPM).',
          'requests',
          'rate_limit_exceeded',
        );
      } else openAiStream(res, ['Back'], { prompt_tokens: 5, completion_tokens: 1 });
    });
    try {
      const id = await test.provider('Busy OpenAI', server);
      await session.services.registry.setDefault(id, 'gpt-4o');
      await test.set('retry.maxAttempts', 2);
      const { stream, of } = recordingStream();
      await answer(session, chatRequest('Hello?'), { history: [] }, stream, token());
      const waits = of('progress')
        .map(plain)
        .filter((line) => line?.includes('rate limit'));
      assert.deepEqual(waits.slice(0, 2), [
        'Busy OpenAI rate limit hit. Retrying in 2 seconds…',
        'Busy OpenAI rate limit hit. Retrying in 1 second…',
      ]);
      assert.equal(of('markdown')[0], 'Back');
    } finally {
      await test.cleanUp();
    }
  });

  it('a missing model: "GPT-4o is unavailable right now. Try … instead?" naming the closest the provider lists, with a switch', async () => {
    const { session } = await chatSession();
    const { registry } = await testingApi();
    const test = await setUp();
    const server = await openAiServer(
      (res) =>
        openAiError(
          res,
          404,
          'The model `gpt-4o` does not exist or you do not have access to it.',
          'invalid_request_error',
          'model_not_found',
        ),
      ['gpt-4o-mini', 'gpt-4.1', 'o3-mini'],
    );
    try {
      const id = await test.provider('Missing OpenAI', server);
      await registry.setDefault(id, 'gpt-4o');
      const { stream, of } = recordingStream();
      const result = await answer(session, chatRequest('Hello?'), { history: [] }, stream, token());
      const [name, alternative] = await Promise.all(
        ['gpt-4o', 'gpt-4o-mini'].map(async (model) => (await registry.modelFacts(id, model)).name.value),
      );
      assert.deepEqual([name, alternative], ['GPT-4o', 'GPT-4o mini'], 'the names as OpenAI writes them');
      assert.equal(plain(result.errorDetails?.message), 'GPT-4o is unavailable right now. Try GPT-4o mini instead?');
      assert.equal(of('button')[0], 'Switch to GPT-4o mini');
      const retry = (result.metadata as SwitchboardChatMetadata).retry;
      assert.deepEqual([retry?.providerId, retry?.model], [id, 'gpt-4o-mini'], 'the follow-up retries on it');
    } finally {
      await test.cleanUp();
    }
  });

  it('a used-up quota names another configured provider and links the billing page', async () => {
    const { session } = await chatSession();
    const test = await setUp();
    const capped = await openAiServer((res) =>
      openAiError(
        res,
        429,
        'You exceeded your current quota, please check your plan and billing details.',
        'insufficient_quota',
        'insufficient_quota',
      ),
    );
    const other = await openAiServer((res) => openAiStream(res, ['Hi'], { prompt_tokens: 5, completion_tokens: 1 }));
    try {
      const id = await test.provider('Capped OpenAI', capped);
      await test.provider('Spare Provider', other);
      await session.services.registry.setDefault(id, 'gpt-4o');
      // Without it the request would fall over to the spare provider, which answers.
      await test.set('fallback.automatic', false);
      const { stream, of } = recordingStream();
      const result = await answer(session, chatRequest('Hello?'), { history: [] }, stream, token());
      assert.equal(
        plain(result.errorDetails?.message),
        "You've hit your Capped OpenAI usage cap. Upgrade your plan or use Spare Provider.",
      );
      assert.deepEqual(of('button').slice(0, 2), ['Open Billing Page', 'Manage Providers']);
    } finally {
      await test.cleanUp();
    }
  });

  it('an unreachable provider: "Can\'t reach … Check your internet connection." with Retry', async () => {
    const { session } = await chatSession();
    const test = await setUp();
    // A port that was just closed: connections to it are refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    try {
      const id = await test.provider('Offline OpenAI', { url, chats: [], listed: 0, server: closed });
      await session.services.registry.setDefault(id, 'gpt-4o');
      await test.set('retry.maxAttempts', 1);
      // Without it a provider another test left enabled would answer instead.
      await test.set('fallback.automatic', false);
      const { stream, of } = recordingStream();
      const result = await answer(session, chatRequest('Hello?'), { history: [] }, stream, token());
      assert.equal(plain(result.errorDetails?.message), "Can't reach Offline OpenAI. Check your internet connection.");
      assert.equal(of('button')[0], 'Retry');
    } finally {
      await test.cleanUp();
    }
  });

  it("a request over a provider's hard token cap: refused unsent, with the button that opens the caps", async () => {
    const { session } = await chatSession();
    const test = await setUp();
    const server = await openAiServer((res) => openAiStream(res, ['Hi'], { prompt_tokens: 5, completion_tokens: 1 }));
    try {
      const id = await test.provider('Capped Tokens', server);
      await session.services.registry.setDefault(id, 'gpt-4o');
      await test.set('tokenCaps', [{ providerId: id, hardTokens: 5 }]);
      const { stream, of } = recordingStream();
      const result = await answer(
        session,
        chatRequest('A prompt longer than five tokens, surely.'),
        { history: [] },
        stream,
        token(),
      );
      assert.ok(result.errorDetails, 'refused');
      assert.equal(server.chats.length, 0, 'nothing sent');
      assert.equal(of('button')[0], 'Change Token Caps');
    } finally {
      await test.cleanUp();
    }
  });

  it('after a budget refuses a model, the follow-up offers only a cheaper one, or none', async () => {
    const { cost, registry } = await testingApi();
    const { session } = await chatSession();
    const test = await setUp();
    const answering = () =>
      openAiServer((res) => openAiStream(res, ['Hi'], { prompt_tokens: 5, completion_tokens: 1 }));
    const [refusedServer, dearServer, cheapServer] = await Promise.all([answering(), answering(), answering()]);
    try {
      const refused = await test.provider('Budget Refused', refusedServer);
      const dear = await test.provider('Budget Dearer', dearServer);
      await registry.update(dear, { models: [{ id: 'gpt-4o', prices: { input: 5, output: 10 } }] });
      await registry.setDefault(refused, 'gpt-4o');
      await test.set('fallback.chain', [{ provider: dear, model: 'gpt-4o' }]);
      await test.set('budgets', [
        {
          id: 'chat-failures-stop',
          scope: { kind: 'model', providerId: refused, modelId: 'gpt-4o' },
          period: 'daily',
          limitUsd: 0.00001,
          mode: 'stop',
        },
      ]);
      await until(
        () => (cost.budgets().some((budget) => budget.id === 'chat-failures-stop') ? true : undefined),
        'the budget to apply',
      );
      const ask = async () => {
        const result = await answer(
          session,
          chatRequest('Expensive?'),
          { history: [] },
          recordingStream().stream,
          token(),
        );
        assert.match(plain(result.errorDetails?.message) ?? '', /daily budget/);
        return (result.metadata as SwitchboardChatMetadata).retry;
      };
      assert.equal(await ask(), undefined, 'no "Retry on Budget Dearer gpt-4o" after a refusal of a cheaper model');

      const cheap = await test.provider('Budget Cheaper', cheapServer);
      await registry.update(cheap, { models: [{ id: 'gpt-4o', prices: { input: 0.1, output: 0.2 } }] });
      const retry = await ask();
      assert.deepEqual([retry?.providerId, retry?.model], [cheap, 'gpt-4o']);
    } finally {
      await test.cleanUp();
    }
  });
});
