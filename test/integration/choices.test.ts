// Choices that show their cost, in the extension host: the difference per answer when the default
// model or a conversation's model changes (asked about beyond the cost ratio), Recommend a Model, and
// the per-request token caps on the wire. OpenAI-compatible servers on 127.0.0.1; the user's answers
// go through the injected dialogs.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { answer } from '../../src/chat/answer';
import { chooseModel } from '../../src/chat/model';
import { costPerRequest, type RouteError, TOKEN_CAP_CODE, typicalRequest, type ProviderError } from '../../src/core';
import { Commands } from '../../src/platform/commands';
import type { RecommendResult } from '../../src/registry/recommend';
import type { HostToWebview } from '../../src/shared/protocol';
import { chatRequest, chatSession, openAiServer, recordingStream, setUp, token } from './chatModulesSupport';
import { openAiStream, testingApi, toldDuring, until } from './support';

/** A provider named `name` serving gpt-4o-mini and gpt-4o at OpenAI's catalog prices (not the test's own). */
async function catalogPriced(test: Awaited<ReturnType<typeof setUp>>, name: string) {
  const server = await openAiServer(
    (res) => openAiStream(res, ['Fine.'], { prompt_tokens: 20, completion_tokens: 2 }),
    ['gpt-4o-mini', 'gpt-4o'],
  );
  const id = await test.provider(name, server);
  const { registry } = await testingApi();
  // The catalog's prices ($0.15/$0.60 and $2.50/$10 per million): the same ones every surface shows.
  await registry.update(id, { models: [{ id: 'gpt-4o-mini' }, { id: 'gpt-4o' }], defaultModel: 'gpt-4o-mini' });
  await registry.setDefault(id, 'gpt-4o-mini');
  return { id, server };
}

describe('choices that show their cost', () => {
  it('a default model that multiplies the cost per answer beyond the ratio is asked about; a cheaper one is not', async () => {
    const { registry, dialogs, panelController } = await testingApi();
    const test = await setUp();
    try {
      const { id } = await catalogPriced(test, 'Choices Default');
      const makeDefault = (modelId: string) =>
        vscode.commands.executeCommand(Commands.selectDefaultModel, { providerId: id, modelId, askAboutCost: true });

      // gpt-4o costs about 17 times gpt-4o-mini per answer, past the ratio of 3: a "no" leaves the default.
      const declined = dialogs.answer(/^Make Choices Default gpt-4o your default model\?/, false);
      const asked = await toldDuring(() => makeDefault('gpt-4o'));
      declined.dispose();
      assert.match(
        asked[0] ?? '',
        /^Make Choices Default gpt-4o your default model\? It costs about \$[\d.]+ more per answer than gpt-4o-mini \(\$[\d.]+ instead of \$[\d.]+, 17×\)\.$/,
        asked.join(' | '),
      );
      assert.equal(registry.defaultModel(), 'gpt-4o-mini');

      // "Make Default": the change is made and the difference said.
      const accepted = dialogs.answer(/^Make Choices Default gpt-4o your default model\?/, 'Make Default');
      const told = await toldDuring(() => makeDefault('gpt-4o'));
      accepted.dispose();
      assert.deepEqual([registry.defaultProvider(), registry.defaultModel()], [id, 'gpt-4o']);
      assert.match(
        told.at(-1) ?? '',
        /^Your default model is now Choices Default gpt-4o\. Choices Default gpt-4o: about \$[\d.]+ more per answer than gpt-4o-mini .*Priced (from your last \d+ requests|for a request of 2,000 tokens in, 500 out \(assumed)/,
      );

      // Back to the cheaper one from the panel's Make Default: told, never asked.
      const posts: HostToWebview[] = [];
      const controller = await panelController((message) => (posts.push(message), Promise.resolve(true)));
      const fromPanel = await toldDuring(async () => {
        await controller.receive({
          type: 'request',
          id: 1,
          name: 'setDefault',
          params: { providerId: id, modelId: 'gpt-4o-mini' },
        });
        await until(() => posts.find((post) => post.type === 'reply' && post.id === 1), 'the reply');
      });
      controller.dispose();
      assert.equal(registry.defaultModel(), 'gpt-4o-mini');
      assert.equal(fromPanel.filter((text) => /your default model\?/.test(text)).length, 0, fromPanel.join(' | '));
      assert.match(fromPanel.join(' | '), /Choices Default gpt-4o-mini: about \$[\d.]+ less per answer than gpt-4o/);
    } finally {
      await test.cleanUp();
    }
  });

  it("/model says the difference per answer, and a 'no' keeps the conversation where it was", async () => {
    const { dialogs } = await testingApi();
    const { services } = await chatSession();
    const test = await setUp();
    try {
      const { id } = await catalogPriced(test, 'Choices Chat');
      const onMini = { providerId: id, model: 'gpt-4o-mini' };
      const declined = dialogs.answer(/^Make Choices Chat gpt-4o the model of this conversation\?/, false);
      const kept = recordingStream();
      const result = await chooseModel(
        services,
        chatRequest(`${id}/gpt-4o`, { command: 'model' }),
        kept.stream,
        onMini,
        token(),
      );
      declined.dispose();
      assert.deepEqual(kept.of('markdown'), ['No change: this conversation stays on Choices Chat gpt\\-4o\\-mini.']);
      assert.deepEqual(result.metadata, { ...onMini, command: 'model' });

      const accepted = dialogs.answer(/^Make Choices Chat gpt-4o the model of this conversation\?/, 'Switch Model');
      const moved = recordingStream();
      const switched = await chooseModel(
        services,
        chatRequest(`${id}/gpt-4o`, { command: 'model' }),
        moved.stream,
        onMini,
        token(),
      );
      accepted.dispose();
      assert.match(
        moved.of('markdown')[0] ?? '',
        /Choices Chat gpt\\-4o: about \$[\d\\.]+ more per answer than gpt\\-4o\\-mini/,
      );
      assert.deepEqual(switched.metadata, { providerId: id, model: 'gpt-4o', command: 'model' });
    } finally {
      await test.cleanUp();
    }
  });

  it('Recommend a Model ranks the available models, explains the pick and makes it the default', async () => {
    const { registry, cost, dialogs } = await testingApi();
    const test = await setUp();
    try {
      const { id } = await catalogPriced(test, 'Choices Pick');
      await registry.setDefault(id, 'gpt-4o');
      // A budget between the two models' cost of a typical request of this window's history.
      const typical = typicalRequest(await cost.recentRequests());
      const costOf = async (modelId: string) =>
        costPerRequest((await registry.modelFacts(id, modelId)).price, typical)!;
      const budget = ((await costOf('gpt-4o-mini')) + (await costOf('gpt-4o'))) / 2;
      const run = () =>
        vscode.commands.executeCommand<RecommendResult | undefined>(Commands.recommendModel, {
          task: 'chat',
          budget: { per: 'request', usd: budget },
        });
      // First only looked at: the list closed without a choice.
      const closed = dialogs.answer(/^Recommended for chat, best first$/, undefined);
      const looked = await run();
      closed.dispose();
      assert.ok(looked);
      const mine = looked.recommendation.ranked.map(
        (model) => `${model.candidate.providerId}/${model.candidate.modelId}`,
      );
      // gpt-4o is over the budget, gpt-4o-mini within it.
      assert.ok(mine.includes(`${id}/gpt-4o-mini`) && !mine.includes(`${id}/gpt-4o`), mine.join(', '));
      assert.ok(
        looked.recommendation.left.some(
          (item) =>
            item.candidate.providerId === id &&
            item.candidate.modelId === 'gpt-4o' &&
            item.reason === 'over the budget',
        ),
      );
      const index = mine.indexOf(`${id}/gpt-4o-mini`);
      const label = `${index === 0 ? '$(star-full) ' : ''}Choices Pick gpt-4o-mini`;

      const picked = dialogs.answer(/^Recommended for chat, best first$/, label);
      const how = dialogs.answer(/^Choices Pick gpt-4o-mini: use it how\?$/, 'Make it the default model');
      const result = await run();
      picked.dispose();
      how.dispose();
      assert.deepEqual([result?.chosen, result?.use], [{ providerId: id, modelId: 'gpt-4o-mini' }, 'default']);
      assert.deepEqual([registry.defaultProvider(), registry.defaultModel()], [id, 'gpt-4o-mini']);
      assert.match(result!.recommendation.explanation, /per request .*within \$[\d.]+ per request/);
    } finally {
      await test.cleanUp();
    }
  });

  it('token caps on the wire: the answer is limited to fit, a request over the hard cap never leaves, the soft cap warns', async () => {
    const { cost, routing } = await testingApi();
    const { session } = await chatSession();
    const test = await setUp();
    try {
      const { id, server } = await catalogPriced(test, 'Choices Caps');
      const maxSent = () => {
        const body = server.chats.at(-1) as unknown as { max_tokens?: number; max_completion_tokens?: number };
        return body.max_completion_tokens ?? body.max_tokens;
      };
      const ask = async (surface: 'chat' | 'language-model') => {
        for await (const event of cost
          .meteredProvider(id, surface)
          .chat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there' }], maxTokens: 4_000 }))
          void event;
      };
      await test.set('tokenCaps', [{ providerId: id, softTokens: 500, hardTokens: 1_000 }]);
      // VS Code's own chat and other extensions (vscode.lm) are metered the same way as @switchboard.
      for (const surface of ['chat', 'language-model'] as const) {
        await ask(surface);
        const sent = maxSent();
        assert.ok(sent !== undefined && sent < 1_000 && sent > 980, `${surface}: max tokens sent ${sent}`);
      }

      // @switchboard warns before sending: about a dozen tokens in and up to 988 out is over 500.
      const warned = recordingStream();
      await answer(session, chatRequest('Hello there'), { history: [] }, warned.stream, token());
      assert.ok(
        warned
          .of('progress')
          .some((text) => /over the 500\\-token warning you set for Choices Caps\\. It is sent anyway\\./.test(text)),
        warned.of('progress').join(' | '),
      );

      // An input over the hard cap: refused in plain words, nothing sent, the route ended (no fallback).
      await test.set('tokenCaps', [{ providerId: id, hardTokens: 5 }]);
      const before = server.chats.length;
      await assert.rejects(ask('chat'), (error: ProviderError) => error.code === TOKEN_CAP_CODE);
      let routed: unknown;
      try {
        for await (const event of routing.run(
          { messages: [{ role: 'user', content: 'Hello there' }] },
          {
            surface: 'chat',
            steps: [
              { provider: id, model: 'gpt-4o-mini' },
              { provider: id, model: 'gpt-4o' },
            ],
          },
        ))
          void event;
      } catch (error) {
        routed = error;
      }
      // The extension's own RouteError (not this bundle's class): told by its fields. One failure: the route ended there.
      const ended = routed as RouteError;
      assert.deepEqual([ended.code, ended.failures?.length], [TOKEN_CAP_CODE, 1], String(routed));
      assert.match(ended.message, /over the 5-token limit per request you set for Choices Caps/);
      assert.equal(server.chats.length, before, 'nothing reached the server');
    } finally {
      await test.cleanUp();
    }
  });
});
