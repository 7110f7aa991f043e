// Failover without setting anything up: an empty chain, two providers on 127.0.0.1, the chat's own answer path.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { answer } from '../../src/chat/answer';
import { Commands } from '../../src/platform/commands';
import {
  chatRequest,
  chatSession,
  openAiError,
  openAiServer,
  recordingStream,
  setUp,
  token,
} from './chatModulesSupport';
import { openAiStream, removeProvider, testingApi, until } from './support';

const timeless = (text: string) => text.replace(/\b\d+\.\d s\b/g, 'T s');

describe('automatic failover with an empty fallback chain', () => {
  it('the first provider answers 503, the other enabled provider answers, and the chat and the activity log say why', async () => {
    const { registry, routing } = await testingApi();
    const { session } = await chatSession();
    const test = await setUp();
    const down = await openAiServer((res) =>
      openAiError(res, 503, 'The server is overloaded or not ready yet.', 'server_error', null),
    );
    const up = await openAiServer((res) =>
      openAiStream(res, ['Answer from the backup'], { prompt_tokens: 9, completion_tokens: 4 }),
    );
    try {
      const first = await test.provider('Failover First', down);
      const second = await test.provider('Failover Second', up);
      await registry.setDefault(first, 'gpt-4o');
      await test.set('fallback.chain', []);
      await test.set('retry.maxAttempts', 1);
      assert.deepEqual(routing.steps(), [{ provider: first, model: 'gpt-4o' }], 'no chain set up');

      const { stream, of } = recordingStream();
      const result = await answer(session, chatRequest('Are you there?'), { history: [] }, stream, token());
      assert.deepEqual(result, { metadata: { providerId: second, model: 'gpt-4o' } });
      assert.deepEqual([down.chats.length, up.chats.length], [1, 1]);
      assert.match(
        of('progress').join('\n'),
        /Failover First gpt\\-4o failed \\\(503\\\); trying Failover Second gpt\\-4o \\\(automatic failover: your fallback chain is empty/,
      );
      const [text, footer] = of('markdown').map(timeless);
      assert.equal(text, 'Answer from the backup');
      assert.match(footer ?? '', /Answered by Failover Second gpt\\-4o after Failover First gpt\\-4o returned 503/);
      assert.match(footer ?? '', /Picked by automatic failover: your fallback chain is empty/);
      const noted = await until(
        () =>
          registry.auditEntries().find((entry) => entry.action === 'fallback-triggered' && entry.providerId === first),
        'the switch in the activity log',
      );
      assert.equal(noted.detail, `gpt-4o → ${second}/gpt-4o (automatic failover): overloaded (503)`);

      // Turned off: the failure is the answer, and the second provider is not asked.
      await test.set('fallback.automatic', false);
      const off = recordingStream();
      const failed = await answer(session, chatRequest('Are you there?'), { history: [] }, off.stream, token());
      assert.match(failed.errorDetails?.message ?? '', /overloaded|503/i);
      assert.deepEqual([down.chats.length, up.chats.length], [2, 1]);
      assert.ok(!off.of('progress').some((line) => /trying/.test(line)));
    } finally {
      await test.cleanUp();
    }
  });

  it('a prompt under a data policy (OpenRouter, zero data retention) is not sent on to another provider automatically', async () => {
    const { registry } = await testingApi();
    const { session } = await chatSession();
    const test = await setUp();
    const down = await openAiServer((res) =>
      openAiError(res, 503, 'The server is overloaded or not ready yet.', 'server_error', null),
    );
    const up = await openAiServer((res) =>
      openAiStream(res, ['Answer from elsewhere'], { prompt_tokens: 9, completion_tokens: 4 }),
    );
    let router: string | undefined;
    try {
      router = await vscode.commands.executeCommand<string>(Commands.addProvider, {
        template: 'openrouter',
        name: 'Policy Router',
        baseUrl: `${down.url}/v1`,
        apiKey: 'sk-or-v1-0123456789abcdef0123456789abcdef',
      });
      await registry.update(router, { models: [{ id: 'gpt-4o', prices: { input: 1, output: 2 } }] });
      await test.provider('Policy Elsewhere', up);
      await registry.setDefault(router, 'gpt-4o');
      await test.set('fallback.chain', []);
      await test.set('retry.maxAttempts', 1);
      await test.set('openRouter.dataPolicy', { zeroDataRetention: true });

      const { stream } = recordingStream();
      const result = await answer(session, chatRequest('Are you there?'), { history: [] }, stream, token());
      assert.match(result.errorDetails?.message ?? '', /overloaded|503/i);
      assert.deepEqual([down.chats.length, up.chats.length], [1, 0], 'not sent on to the other provider');
      // The policy reached the wire with the prompt.
      assert.deepEqual((down.chats[0] as { provider?: unknown }).provider, { zdr: true });
    } finally {
      if (router) await removeProvider(router);
      await test.cleanUp();
    }
  });

  it('a model picked in VS Code’s picker stays strict: no automatic failover unless the user opted in to the chain', async () => {
    const { registry } = await testingApi();
    const test = await setUp();
    const down = await openAiServer((res) =>
      openAiError(res, 503, 'The server is overloaded or not ready yet.', 'server_error', null),
    );
    const up = await openAiServer((res) => openAiStream(res, ['OK'], { prompt_tokens: 3, completion_tokens: 1 }));
    try {
      const first = await test.provider('Picker First', down);
      await test.provider('Picker Second', up);
      await registry.setDefault(first, 'gpt-4o');
      await test.set('fallback.chain', []);
      await test.set('retry.maxAttempts', 1);
      const [model] = await vscode.lm.selectChatModels({ vendor: 'switchboard', id: `${first}/gpt-4o` });
      assert.ok(model, 'the first model is offered');
      const ask = async () => {
        let text = '';
        for await (const piece of (await model.sendRequest([vscode.LanguageModelChatMessage.User('Reply OK')])).text)
          text += piece;
        return text;
      };
      await assert.rejects(ask());
      assert.equal(up.chats.length, 0, 'the picker’s model only');
      await test.set('languageModels.useFallbackChain', true);
      assert.equal(await ask(), 'OK');
      assert.equal(up.chats.length, 1);
    } finally {
      await test.cleanUp();
    }
  });
});
