import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Commands } from '../../src/platform/commands';
import { loopback, removeProvider, testingApi, until } from './support';

describe('fallback in the extension host', () => {
  it('Test Fallback Chain: the first provider answers 503, the second answers, and the switch is reported and recorded', async () => {
    const { registry, cost, routing, statusBar } = await testingApi();
    // OpenAI's 503 body; Anthropic's documented stream.
    const unavailable = await loopback((res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            message: 'The server is overloaded or not ready yet.',
            type: 'server_error',
            param: null,
            code: null,
          },
        }),
      );
    });
    const answering = await loopback((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(
        'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"usage":{"input_tokens":12,"output_tokens":1}}}\n\n' +
          'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n' +
          'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"OK"}}\n\n' +
          'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n' +
          'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":2}}\n\n' +
          'event: message_stop\ndata: {"type":"message_stop"}\n\n',
      );
    });
    const config = vscode.workspace.getConfiguration('switchboard');
    const first = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'openai',
      name: 'Primary',
      baseUrl: `${unavailable.url}/v1`,
      apiKey: 'sk-proj-primary0123456789abcdef',
    });
    const second = await vscode.commands.executeCommand<string>(Commands.addProvider, {
      template: 'anthropic',
      name: 'Backup',
      baseUrl: answering.url,
      apiKey: 'sk-ant-backup0123456789abcdef',
    });
    try {
      await vscode.commands.executeCommand(Commands.selectDefaultModel, { providerId: first, modelId: 'gpt-4o' });
      await config.update(
        'fallback.chain',
        [{ provider: second, model: 'claude-sonnet-4-5' }],
        vscode.ConfigurationTarget.Global,
      );
      await config.update('retry.maxAttempts', 2, vscode.ConfigurationTarget.Global);
      await config.update('circuit.failureThreshold', 2, vscode.ConfigurationTarget.Global);
      assert.deepEqual(routing.steps(), [
        { provider: first, model: 'gpt-4o' },
        { provider: second, model: 'claude-sonnet-4-5' },
      ]);

      const result = await vscode.commands.executeCommand<{
        ok: boolean;
        answeredBy?: { providerId: string; model: string };
        switches: Array<{ from: string; to: string; error: string }>;
        text?: string;
      }>(Commands.testFallbackChain);
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.deepEqual(result.answeredBy, { providerId: second, model: 'claude-sonnet-4-5' });
      assert.deepEqual(result.switches, [
        { from: `${first}/gpt-4o`, to: `${second}/claude-sonnet-4-5`, error: 'overloaded' },
      ]);
      assert.equal(result.text, 'OK');
      assert.equal(unavailable.bodies.length, 2, 'one retry, then the switch');
      assert.equal((JSON.parse(answering.bodies[0]!) as { model: string }).model, 'claude-sonnet-4-5');

      // Recorded in the audit log, and in the usage records under the model that answered.
      const audit = registry.auditEntries().find((entry) => entry.action === 'fallback-triggered');
      assert.equal(audit?.providerId, first);
      assert.match(audit?.detail ?? '', new RegExp(`gpt-4o → ${second}/claude-sonnet-4-5: overloaded \\(503\\)`));
      const answered = await until(
        async () =>
          (await cost.recentRequests()).find((record) => record.providerId === second && record.outcome === 'ok'),
        'the answer to be recorded',
      );
      assert.deepEqual(
        [answered.modelId, answered.surface, answered.usage.inputTokens, answered.usage.outputTokens],
        ['claude-sonnet-4-5', 'connection-test', 12, 2],
      );
      // Two failures in a row opened the first model's circuit: the tooltip says it is skipped for now.
      assert.equal(routing.circuits.state(`${first}/gpt-4o`), 'open');
      const tooltip = () => (statusBar.tooltip instanceof vscode.MarkdownString ? statusBar.tooltip.value : '');
      assert.match(tooltip(), /Primary gpt-4o: skipped after 2 failures, until/);

      // A language-model request for that model: its model only by default; down the chain once the user opts in.
      const [model] = await vscode.lm.selectChatModels({ vendor: 'switchboard', id: `${first}/gpt-4o` });
      assert.ok(model, 'the first model is offered');
      const ask = async () => {
        let text = '';
        for await (const piece of (await model.sendRequest([vscode.LanguageModelChatMessage.User('Reply OK')])).text)
          text += piece;
        return text;
      };
      await assert.rejects(ask(), /skipped|paused/i);
      await config.update('languageModels.useFallbackChain', true, vscode.ConfigurationTarget.Global);
      assert.equal(await ask(), 'OK');
      assert.equal(answering.bodies.length, 2);
    } finally {
      for (const setting of [
        'fallback.chain',
        'retry.maxAttempts',
        'circuit.failureThreshold',
        'languageModels.useFallbackChain',
      ])
        await config.update(setting, undefined, vscode.ConfigurationTarget.Global);
      for (const id of [first, second]) await removeProvider(id);
      unavailable.server.close();
      answering.server.close();
    }
  });
});
