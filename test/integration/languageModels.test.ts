import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Commands } from '../../src/platform/commands';
import { loopback, openAiStream, removeProvider, testingApi, until } from './support';

describe('language models (vendor switchboard) in the extension host', () => {
  it('an Ollama model nobody describes is offered with the 4,096-token window @switchboard fits its prompts to, not 128,000', async () => {
    const { registry, routing } = await testingApi();
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'ollama',
      name: 'Local',
      baseUrl: 'http://127.0.0.1:9/',
    });
    try {
      await registry.update(id, { models: [{ id: 'house-model:3b' }] });
      const [model] = await until(async () => {
        const found = await vscode.lm.selectChatModels({ vendor: 'switchboard', id: `${id}/house-model:3b` });
        return found.length > 0 ? found : undefined;
      }, 'the model to be offered');
      // A quarter of the window kept for the answer, on both surfaces.
      assert.equal(model!.maxInputTokens, 3_072);
      assert.deepEqual(await routing.limits({ provider: id, model: 'house-model:3b' }), {
        contextWindow: 4_096,
        maxOutputTokens: 1_024,
        known: false,
      });
    } finally {
      await removeProvider(id);
    }
  });

  it('lists the configured models with their limits; sendRequest streams the answer and records usage', async () => {
    const { registry, cost } = await testingApi();
    const {
      url: origin,
      bodies,
      server,
    } = await loopback((res) =>
      openAiStream(res, ['Hello', ' from the picker'], { prompt_tokens: 9, completion_tokens: 4 }),
    );
    const url = `${origin}/v1`;
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'openai',
      name: 'Picker',
      baseUrl: url,
      apiKey: 'sk-proj-picker0123456789abcdef',
    });
    try {
      await registry.update(id, { models: [{ id: 'gpt-4o' }] });
      const [model] = await until(async () => {
        const found = await vscode.lm.selectChatModels({ vendor: 'switchboard', id: `${id}/gpt-4o` });
        return found.length > 0 ? found : undefined;
      }, 'the model to be offered');
      // gpt-4o from the catalog: 128k context, 16,384 output tokens.
      assert.deepEqual(
        [model!.vendor, model!.family, model!.maxInputTokens],
        ['switchboard', 'gpt-4o', 128_000 - 16_384],
      );

      // modelOptions as callers pass them: temperature and an output cap reach the provider; unknown knobs do not.
      const response = await model!.sendRequest(
        [vscode.LanguageModelChatMessage.User('Say hello')],
        { modelOptions: { temperature: 0.2, max_tokens: 64, frobnicate: true } },
        new vscode.CancellationTokenSource().token,
      );
      let text = '';
      for await (const piece of response.text) text += piece;
      assert.equal(text, 'Hello from the picker');
      const sent = JSON.parse(bodies[0]!) as {
        model: string;
        messages: Array<{ role: string; content: string }>;
        temperature?: number;
        max_completion_tokens?: number;
        frobnicate?: unknown;
      };
      assert.deepEqual([sent.model, sent.messages.at(-1)], ['gpt-4o', { role: 'user', content: 'Say hello' }]);
      assert.deepEqual([sent.temperature, sent.max_completion_tokens, sent.frobnicate], [0.2, 64, undefined]);
      const recorded = await until(
        async () =>
          (await cost.recentRequests()).find(
            (record) => record.providerId === id && record.surface === 'language-model',
          ),
        'the request to be recorded',
      );
      assert.deepEqual(
        [recorded.modelId, recorded.usage.inputTokens, recorded.usage.outputTokens, recorded.outcome],
        ['gpt-4o', 9, 4, 'ok'],
      );
      assert.ok((await model!.countTokens('Say hello')) > 0);

      // A tool call and its result, as VS Code's agent sends them, reach the provider in its own shape.
      const withTools = await model!.sendRequest(
        [
          vscode.LanguageModelChatMessage.User('Read a.ts'),
          vscode.LanguageModelChatMessage.Assistant([
            new vscode.LanguageModelToolCallPart('call_1', 'read_file', { path: 'a.ts' }),
          ]),
          vscode.LanguageModelChatMessage.User([
            new vscode.LanguageModelToolResultPart('call_1', [new vscode.LanguageModelTextPart('export const a = 1;')]),
          ]),
        ],
        {
          tools: [
            {
              name: 'read_file',
              description: 'Reads a file',
              inputSchema: { type: 'object', properties: { path: { type: 'string' } } },
            },
          ],
          toolMode: vscode.LanguageModelChatToolMode.Required,
        },
      );
      for await (const piece of withTools.text) void piece;
      const second = JSON.parse(bodies[1]!) as {
        tool_choice?: string;
        tools: Array<{ function: { name: string } }>;
        messages: Array<{
          role: string;
          tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
          tool_call_id?: string;
          content: unknown;
        }>;
      };
      assert.deepEqual(
        second.messages.map((message) => message.role),
        ['user', 'assistant', 'tool'],
      );
      assert.deepEqual(
        second.messages[1]?.tool_calls?.map((call) => [
          call.id,
          call.function.name,
          JSON.parse(call.function.arguments) as unknown,
        ]),
        [['call_1', 'read_file', { path: 'a.ts' }]],
      );
      assert.deepEqual(
        [second.messages[2]?.tool_call_id, second.messages[2]?.content],
        ['call_1', 'export const a = 1;'],
      );
      assert.deepEqual(
        second.tools.map((tool) => tool.function.name),
        ['read_file'],
      );
      assert.equal(second.tool_choice, 'required', "VS Code's toolMode Required");

      // Moved to another origin, the provider's key is not sent there: its models leave the list until a key is set for it.
      const moved = `http://localhost:${new URL(origin).port}/v1`;
      await registry.update(id, { baseUrl: moved });
      await until(
        async () =>
          (await vscode.lm.selectChatModels({ vendor: 'switchboard', id: `${id}/gpt-4o` })).length === 0
            ? true
            : undefined,
        'the model to leave the list',
      );
      await vscode.commands.executeCommand(Commands.setApiKey, {
        providerId: id,
        apiKey: 'sk-proj-moved0123456789abcdef',
      });
      await until(
        async () =>
          (await vscode.lm.selectChatModels({ vendor: 'switchboard', id: `${id}/gpt-4o` })).length === 1
            ? true
            : undefined,
        'the model to come back with a key for its origin',
      );
    } finally {
      await removeProvider(id);
      server.close();
    }
  });

  it("a hard-stop budget's refusal reaches sendRequest's caller as LanguageModelError Blocked, with nothing sent", async () => {
    const { registry, cost } = await testingApi();
    const config = vscode.workspace.getConfiguration('switchboard');
    const { url, bodies, server } = await loopback((res) =>
      openAiStream(res, ['Never sent'], { prompt_tokens: 9, completion_tokens: 2 }),
    );
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'openai',
      name: 'Budgeted',
      baseUrl: `${url}/v1`,
      apiKey: 'sk-proj-budgeted0123456789abcdef',
    });
    try {
      await registry.update(id, { models: [{ id: 'gpt-4o' }] });
      // A millionth of a dollar: gpt-4o's price for the prompt alone is more.
      await config.update(
        'budgets',
        [{ id: 'lm-stop', scope: { kind: 'overall' }, period: 'daily', limitUsd: 0.000001, mode: 'stop' }],
        vscode.ConfigurationTarget.Global,
      );
      await until(() => (cost.budgetUse().length === 1 ? true : undefined), 'the budget to apply');
      const [model] = await until(async () => {
        const found = await vscode.lm.selectChatModels({ vendor: 'switchboard', id: `${id}/gpt-4o` });
        return found.length > 0 ? found : undefined;
      }, 'the model to be offered');
      // VS Code may reject sendRequest itself or the response's stream: either way the caller sees it.
      const refused = await (async () => {
        try {
          const response = await model!.sendRequest(
            [vscode.LanguageModelChatMessage.User('Say hello')],
            {},
            new vscode.CancellationTokenSource().token,
          );
          for await (const piece of response.text) void piece;
          return undefined;
        } catch (error) {
          return error;
        }
      })();
      assert.ok(refused instanceof vscode.LanguageModelError, `a LanguageModelError, not ${String(refused)}`);
      assert.equal(refused.code, vscode.LanguageModelError.Blocked().code);
      assert.match(refused.message, /would exceed the daily budget/);
      assert.equal(bodies.length, 0, 'nothing was sent');
    } finally {
      await config.update('budgets', undefined, vscode.ConfigurationTarget.Global);
      await removeProvider(id);
      server.close();
    }
  });

  it("keeps Gemini's thought signature across a tool call's round trip through VS Code's message types", async () => {
    const { registry } = await testingApi();
    const signature = 'CikB0e2KbwvEqAUe/Jbf3zx5lg6fKQe382RFpFzHXfaI7x59tkpEUrWQ0Qp6';
    let calls = 0;
    // Gemini's streamGenerateContent?alt=sse as documented: a function call with its signature, then text.
    const { url, bodies, server } = await loopback((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const parts =
        calls++ === 0
          ? [{ functionCall: { name: 'read_file', args: { path: 'a.ts' } }, thoughtSignature: signature }]
          : [{ text: 'It exports a.' }];
      res.end(
        `data: ${JSON.stringify({ candidates: [{ content: { parts, role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 20, candidatesTokenCount: 5, totalTokenCount: 25 }, modelVersion: 'gemini-2.5-flash' })}\r\n\r\n`,
      );
    });
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'gemini',
      name: 'Gemini',
      baseUrl: `${url}/v1beta`,
      apiKey: 'AIzaSyD-gemini0123456789abcdefghijklmno',
    });
    try {
      await registry.update(id, { models: [{ id: 'gemini-2.5-flash' }] });
      const [model] = await until(async () => {
        const found = await vscode.lm.selectChatModels({ vendor: 'switchboard', id: `${id}/gemini-2.5-flash` });
        return found.length > 0 ? found : undefined;
      }, 'the Gemini model to be offered');
      const tools = [
        {
          name: 'read_file',
          description: 'Reads a file',
          inputSchema: { type: 'object', properties: { path: { type: 'string' } } },
        },
      ];
      const first = await model!.sendRequest([vscode.LanguageModelChatMessage.User('What does a.ts export?')], {
        tools,
      });
      const toolCalls: vscode.LanguageModelToolCallPart[] = [];
      for await (const part of first.stream) if (part instanceof vscode.LanguageModelToolCallPart) toolCalls.push(part);
      assert.equal(toolCalls.length, 1);
      const call = toolCalls[0]!;
      assert.deepEqual([call.name, call.input], ['read_file', { path: 'a.ts' }]);

      // VS Code's agent sends the call back with only its id, name and input; the signature must ride along.
      const second = await model!.sendRequest(
        [
          vscode.LanguageModelChatMessage.User('What does a.ts export?'),
          vscode.LanguageModelChatMessage.Assistant([
            new vscode.LanguageModelToolCallPart(call.callId, call.name, call.input),
          ]),
          vscode.LanguageModelChatMessage.User([
            new vscode.LanguageModelToolResultPart(call.callId, [
              new vscode.LanguageModelTextPart('export const a = 1;'),
            ]),
          ]),
        ],
        { tools },
      );
      let text = '';
      for await (const piece of second.text) text += piece;
      assert.equal(text, 'It exports a.');
      const sent = JSON.parse(bodies[1]!) as {
        contents: Array<{ role: string; parts: Array<Record<string, unknown>> }>;
      };
      assert.deepEqual(
        sent.contents.map((content) => content.role),
        ['user', 'model', 'user'],
      );
      assert.deepEqual(sent.contents[1]!.parts, [
        { functionCall: { name: 'read_file', args: { path: 'a.ts' } }, thoughtSignature: signature },
      ]);
      // Gemini sent no call id: the one made up for VS Code stays here, on the call and on its result.
      assert.deepEqual(sent.contents[2]!.parts[0]!.functionResponse, {
        name: 'read_file',
        response: { content: 'export const a = 1;' },
      });
    } finally {
      await removeProvider(id);
      server.close();
    }
  });
  it("every response ends with a usage part for VS Code's context meter: the provider's counts, or counted here when it sent none", async () => {
    const { registry } = await testingApi();
    let reportUsage = true;
    const { url: origin, server } = await loopback((res) => {
      if (reportUsage)
        openAiStream(res, ['Counted ', 'by the provider'], { prompt_tokens: 1_234, completion_tokens: 56 });
      else {
        // A server that never reports usage (many OpenAI-compatible ones without stream_options).
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(
          'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":"Hello there"},"finish_reason":null}]}\n\n' +
            'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n',
        );
      }
    });
    const id = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'openai',
      name: 'Meter',
      baseUrl: `${origin}/v1`,
      apiKey: 'sk-proj-meter0123456789abcdef',
    });
    const ask = async () => {
      const [model] = await until(async () => {
        const found = await vscode.lm.selectChatModels({ vendor: 'switchboard', id: `${id}/gpt-4o` });
        return found.length > 0 ? found : undefined;
      }, 'the model to be offered');
      const response = await model!.sendRequest(
        [vscode.LanguageModelChatMessage.User('How many tokens is this?')],
        {},
        new vscode.CancellationTokenSource().token,
      );
      const parts: unknown[] = [];
      for await (const part of response.stream) parts.push(part);
      const last = parts.at(-1);
      assert.ok(last instanceof vscode.LanguageModelDataPart, `the last part is ${String(last)}`);
      assert.equal(last.mimeType, 'usage');
      return JSON.parse(new TextDecoder().decode(last.data)) as Record<string, unknown>;
    };
    try {
      await registry.update(id, { models: [{ id: 'gpt-4o' }] });
      assert.deepEqual(await ask(), { prompt_tokens: 1_234, completion_tokens: 56, total_tokens: 1_290 });
      reportUsage = false;
      const counted = (await ask()) as { prompt_tokens: number; completion_tokens: number; total_tokens: number };
      // "How many tokens is this?" is 6 tokens in o200k, plus 4 for the message; "Hello there" is 2.
      assert.deepEqual(counted, { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 });
    } finally {
      await removeProvider(id);
      server.close();
    }
  });
});
