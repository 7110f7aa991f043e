import assert from 'node:assert/strict';
import { budgetSchema } from '../../src/core/cost/budgets';
import { BUDGET_ID_MAX } from '../../src/core/registry/ids';
import { hostToWebview, parseMessage, requests, webviewToHost, type WebviewToHost } from '../../src/shared/protocol';
import { activityRequests } from '../../src/shared/activityRequests';
import { fallbackRequests } from '../../src/shared/fallbackRequests';
import { modelRequests } from '../../src/shared/modelRequests';
import { providerRequests } from '../../src/shared/providerRequests';
import { spendRequests } from '../../src/shared/spendRequests';
import { createRpc, type PushEvent } from '../../webview/rpc';

describe('panel message protocol', () => {
  it('is joined from sections that name each request once: none replaces another', () => {
    const sections = [providerRequests, spendRequests, fallbackRequests, activityRequests, modelRequests];
    const names = sections.flatMap((section) => Object.keys(section));
    assert.deepEqual(
      names.filter((name, index) => names.indexOf(name) !== index),
      [],
    );
    assert.deepEqual(names, Object.keys(requests));
  });

  it('accepts well-formed messages in both directions', () => {
    assert.deepEqual(parseMessage(webviewToHost, { type: 'ready' }), { ok: true, message: { type: 'ready' } });
    const test = {
      type: 'request',
      id: 3,
      name: 'testDraft',
      params: { template: 'openai', baseUrl: 'http://127.0.0.1:8080/v1', apiKey: 'sk-x' },
    };
    assert.deepEqual(parseMessage(webviewToHost, test), { ok: true, message: test });
    const state = {
      type: 'state',
      state: {
        version: '0.1.0',
        providers: [],
        templates: [{ id: 'openai', name: 'OpenAI', key: 'required', local: false }],
        fallback: { steps: [], source: 'settings' },
      },
    };
    assert.deepEqual(parseMessage(hostToWebview, state), { ok: true, message: state });
    const stage = {
      type: 'stage',
      id: 3,
      stage: { stage: 'auth', status: 'fail', message: 'The key was refused.', ms: 12 },
    };
    assert.deepEqual(parseMessage(hostToWebview, stage), { ok: true, message: stage });
    assert.equal(parseMessage(hostToWebview, { type: 'error', id: 3, error: 'No provider "x".' }).ok, true);
  });

  it('rejects unknown types and names, extra fields and wrong values, naming the field', () => {
    const unknown = parseMessage(webviewToHost, { type: 'deleteEverything' });
    assert.equal(unknown.ok, false);
    assert.match(unknown.ok ? '' : unknown.error, /^type: /);

    const name = parseMessage(webviewToHost, { type: 'request', id: 1, name: 'exportKeys', params: {} });
    assert.equal(name.ok, false);
    assert.match(name.ok ? '' : name.error, /^name: /);
    assert.doesNotMatch(name.ok ? '' : name.error, /exportKeys/, 'the value is not echoed');

    const extra = parseMessage(webviewToHost, { type: 'ready', apiKey: 'x' });
    assert.equal(extra.ok, false);
    assert.match(extra.ok ? '' : extra.error, /apiKey/);

    const url = parseMessage(webviewToHost, {
      type: 'request',
      id: 1,
      name: 'testDraft',
      params: { template: 'openai', baseUrl: 'file:///etc/passwd' },
    });
    assert.equal(url.ok, false);
    assert.match(url.ok ? '' : url.error, /^params\.baseUrl: must be an http\(s\) URL/);

    const id = parseMessage(webviewToHost, {
      type: 'request',
      id: 1,
      name: 'removeProvider',
      params: { providerId: '../../etc' },
    });
    assert.match(id.ok ? '' : id.error, /^params\.providerId: /);

    const negative = parseMessage(webviewToHost, { type: 'request', id: -1, name: 'detectLocal', params: {} });
    assert.match(negative.ok ? '' : negative.error, /^id: /);

    // Params are the named request's own: another request's fields, or none at all, are refused.
    assert.match(
      JSON.stringify(
        parseMessage(webviewToHost, { type: 'request', id: 1, name: 'detectLocal', params: { providerId: 'openai' } }),
      ),
      /params/,
    );
    assert.equal(parseMessage(webviewToHost, { type: 'request', id: 1, name: 'removeProvider' }).ok, false);

    // The host never sends a key field: a card carries a mask only, and unknown fields are refused.
    const card = {
      id: 'openai',
      name: 'OpenAI',
      baseUrl: 'https://api.openai.com/v1',
      enabled: true,
      source: 'user',
      readOnly: false,
      key: { state: 'set', mask: 'sk-…1234', value: 'sk-secret' },
      isDefault: true,
      models: [],
    };
    const leaked = parseMessage(hostToWebview, {
      type: 'state',
      state: { version: '1', providers: [card], templates: [], fallback: { steps: [], source: 'settings' } },
    });
    assert.equal(leaked.ok, false);
    assert.match(leaked.ok ? '' : leaked.error, /value/);

    // The newer requests: each field checked, nothing left to the host's good will.
    const request = (requestName: string, params: unknown) =>
      parseMessage(webviewToHost, { type: 'request', id: 9, name: requestName, params });
    assert.match(
      JSON.stringify(request('saveOverrides', { providerId: 'openai', modelId: 'gpt-4o', contextWindow: 1000 })),
      /maxOutputTokens/,
      'every override field is given, a number or null',
    );
    assert.equal(
      request('saveOverrides', {
        providerId: 'openai',
        modelId: 'gpt-4o',
        contextWindow: null,
        maxOutputTokens: null,
        input: 0.1,
        output: null,
        cachedInput: null,
      }).ok,
      true,
    );
    assert.match(
      JSON.stringify(request('saveFallback', { steps: [{ provider: 'Not An Id', model: 'x' }] })),
      /steps\.0\.provider/,
    );
    assert.match(
      JSON.stringify(
        request('saveBudget', {
          budget: {
            id: 'overall:daily',
            scope: { kind: 'overall' },
            period: 'daily',
            limitUsd: -1,
            alertAt: 0.8,
            mode: 'stop',
          },
        }),
      ),
      /budget\.limitUsd/,
    );
    assert.match(JSON.stringify(request('spend', { days: 400 })), /days/);

    // A budget on a model with a long id: what can be saved can be removed; past the core's limit, neither.
    const longModel = 'm'.repeat(200);
    const modelBudget = (id: string) => ({
      id,
      scope: { kind: 'model', providerId: 'p'.repeat(64), modelId: longModel },
      period: 'monthly',
      limitUsd: 5,
      alertAt: 0.8,
      mode: 'stop',
    });
    const panelId = `model:${'p'.repeat(64)}:${longModel}:monthly`;
    assert.equal(request('saveBudget', { budget: modelBudget(panelId) }).ok, true);
    assert.equal(request('removeBudget', { budgetId: panelId }).ok, true, `${panelId.length} characters`);
    assert.equal(budgetSchema.safeParse(modelBudget(panelId)).success, true);
    const tooLong = 'b'.repeat(BUDGET_ID_MAX + 1);
    assert.equal(request('saveBudget', { budget: modelBudget(tooLong) }).ok, false);
    assert.equal(request('removeBudget', { budgetId: tooLong }).ok, false);
    assert.equal(budgetSchema.safeParse(modelBudget(tooLong)).success, false);
    assert.equal(request('removeBudget', { budgetId: 'b'.repeat(BUDGET_ID_MAX) }).ok, true);

    for (const raw of [null, 'ready', 42, [], {}])
      assert.equal(parseMessage(webviewToHost, raw).ok, false, JSON.stringify(raw));
  });

  it('declares a params and a result schema for every request', () => {
    for (const [requestName, spec] of Object.entries(requests)) {
      assert.ok(spec.params && spec.result, requestName);
      // The empty params of a request that takes none are still an object, strictly.
      if (['detectLocal', 'openChat', 'audit', 'allModels'].includes(requestName))
        assert.equal(spec.params.safeParse({ extra: 1 }).success, false, requestName);
    }
  });
});

describe('the panel side of the protocol (webview/rpc.ts)', () => {
  function harness() {
    const posted: WebviewToHost[] = [];
    const pushed: PushEvent[] = [];
    const rpc = createRpc(
      (message) => posted.push(message),
      (event) => pushed.push(event),
      1000,
    );
    return { rpc, posted, pushed };
  }
  /** Whether a promise has settled after the receive (no timers involved). */
  async function outcome<T>(
    promise: Promise<T>,
  ): Promise<{ settled: 'pending' | 'resolved' | 'rejected'; value?: unknown }> {
    const pending = { settled: 'pending' as const };
    return Promise.race([
      promise.then(
        (value) => ({ settled: 'resolved' as const, value }),
        (error: Error) => ({ settled: 'rejected' as const, value: error.message }),
      ),
      new Promise<typeof pending>((resolve) => setImmediate(() => resolve(pending))),
    ]);
  }

  it('sends a request by name and resolves with its parsed result; stages reach that request only', async () => {
    const { rpc, posted } = harness();
    const stages: string[] = [];
    const result = rpc.request('testProvider', { providerId: 'openai' }, (stage) =>
      stages.push(`${stage.stage}:${stage.status}`),
    );
    const sent = posted[0]!;
    assert.ok(sent.type === 'request' && sent.name === 'testProvider');
    assert.deepEqual(sent.params, { providerId: 'openai' });
    rpc.receive({ type: 'stage', id: sent.id, stage: { stage: 'connect', status: 'pass', message: 'Connected.' } });
    rpc.receive({ type: 'stage', id: sent.id + 1, stage: { stage: 'auth', status: 'pass', message: 'Not ours.' } });
    const report = { ok: true, stages: [{ stage: 'connect', status: 'pass', message: 'Connected.' }] };
    rpc.receive({ type: 'reply', id: sent.id, result: report });
    assert.deepEqual(await outcome(result), { settled: 'resolved', value: report });
    assert.deepEqual(stages, ['connect:pass']);
  });

  it('a malformed message from the host has no effect: the request still waits, nothing is pushed', async () => {
    const { rpc, posted, pushed } = harness();
    const result = rpc.request('detectLocal', {});
    const { id } = posted[0] as { id: number };
    for (const raw of [
      null,
      'reply',
      { type: 'reply', id },
      { type: 'reply', id: String(id), result: { found: [] } },
      { type: 'reply', id, result: { found: [] }, extra: 1 },
      { type: 'state', state: { version: '' } },
      { type: 'show', section: 'secrets' },
      { type: 'error', id },
    ]) {
      rpc.receive(raw);
    }
    assert.deepEqual(pushed, []);
    assert.deepEqual(await outcome(result), { settled: 'pending' });
    // A reply to something never asked is ignored too; the real reply then settles it.
    rpc.receive({ type: 'reply', id: id + 7, result: { found: ['x'] } });
    rpc.receive({ type: 'reply', id, result: { found: ['ollama'] } });
    assert.deepEqual(await outcome(result), { settled: 'resolved', value: { found: ['ollama'] } });
    rpc.receive({ type: 'show', section: 'usage' });
    assert.deepEqual(pushed, [{ type: 'show', section: 'usage' }]);
  });

  it("a result that is not the request's declared result fails that request in words, not the panel", async () => {
    const { rpc, posted } = harness();
    const result = rpc.request('spend', { days: 7 });
    rpc.receive({ type: 'reply', id: (posted[0] as { id: number }).id, result: { found: [] } });
    const settled = await outcome(result);
    assert.equal(settled.settled, 'rejected');
    assert.match(String(settled.value), /^Switchboard could not show this \(.+\)\. Check your settings\.$/);
  });

  it('a refusal names the field as the form does', async () => {
    const { rpc, posted } = harness();
    const result = rpc.request('testDraft', { template: 'openai', baseUrl: 'https://x.example' });
    rpc.receive({
      type: 'error',
      id: (posted[0] as { id: number }).id,
      error: 'Switchboard refused the request: params.baseUrl: must be an http(s) URL',
    });
    assert.deepEqual(await outcome(result), { settled: 'rejected', value: 'Base URL: must be an http(s) URL' });
  });
});
