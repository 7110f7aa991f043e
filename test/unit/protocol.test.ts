import assert from 'node:assert/strict';
import { hostToWebview, parseMessage, webviewToHost } from '../../src/shared/protocol';

describe('panel message protocol', () => {
  it('accepts well-formed messages in both directions', () => {
    assert.deepEqual(parseMessage(webviewToHost, { type: 'ready' }), { ok: true, message: { type: 'ready' } });
    const test = { type: 'request', id: 3, request: { action: 'testDraft', template: 'openai', baseUrl: 'http://127.0.0.1:8080/v1', apiKey: 'sk-x' } };
    assert.deepEqual(parseMessage(webviewToHost, test), { ok: true, message: test });
    const state = { type: 'state', state: { version: '0.1.0', providers: [], templates: [{ id: 'openai', name: 'OpenAI', key: 'required', local: false }], fallback: { steps: [], source: 'settings' } } };
    assert.deepEqual(parseMessage(hostToWebview, state), { ok: true, message: state });
    const stage = { type: 'stage', id: 3, stage: { stage: 'auth', status: 'fail', message: 'The key was refused.', ms: 12 } };
    assert.deepEqual(parseMessage(hostToWebview, stage), { ok: true, message: stage });
    assert.equal(parseMessage(hostToWebview, { type: 'error', id: 3, error: 'No provider "x".' }).ok, true);
  });

  it('rejects unknown types and actions, extra fields and wrong values, naming the field', () => {
    const unknown = parseMessage(webviewToHost, { type: 'deleteEverything' });
    assert.equal(unknown.ok, false);
    assert.match(unknown.ok ? '' : unknown.error, /^type: /);

    const action = parseMessage(webviewToHost, { type: 'request', id: 1, request: { action: 'exportKeys' } });
    assert.equal(action.ok, false);
    assert.match(action.ok ? '' : action.error, /^request\.action: /);

    const extra = parseMessage(webviewToHost, { type: 'ready', apiKey: 'x' });
    assert.equal(extra.ok, false);
    assert.match(extra.ok ? '' : extra.error, /apiKey/);

    const url = parseMessage(webviewToHost, { type: 'request', id: 1, request: { action: 'testDraft', template: 'openai', baseUrl: 'file:///etc/passwd' } });
    assert.equal(url.ok, false);
    assert.match(url.ok ? '' : url.error, /^request\.baseUrl: must be an http\(s\) URL/);

    const id = parseMessage(webviewToHost, { type: 'request', id: 1, request: { action: 'removeProvider', providerId: '../../etc' } });
    assert.match(id.ok ? '' : id.error, /^request\.providerId: /);

    const negative = parseMessage(webviewToHost, { type: 'request', id: -1, request: { action: 'detectLocal' } });
    assert.match(negative.ok ? '' : negative.error, /^id: /);

    // The host never sends a key field: a card carries a mask only, and unknown fields are refused.
    const card = { id: 'openai', name: 'OpenAI', baseUrl: 'https://api.openai.com/v1', enabled: true, source: 'user', readOnly: false, key: { state: 'set', mask: 'sk-…1234', value: 'sk-secret' }, isDefault: true, models: [] };
    const leaked = parseMessage(hostToWebview, { type: 'state', state: { version: '1', providers: [card], templates: [], fallback: { steps: [], source: 'settings' } } });
    assert.equal(leaked.ok, false);
    assert.match(leaked.ok ? '' : leaked.error, /value/);

    // The newer requests: each field checked, nothing left to the host's good will.
    const request = (body: unknown) => parseMessage(webviewToHost, { type: 'request', id: 9, request: body });
    assert.match(JSON.stringify(request({ action: 'saveOverrides', providerId: 'openai', modelId: 'gpt-4o', contextWindow: 1000 })), /maxOutputTokens/, 'every override field is given, a number or null');
    assert.equal(request({ action: 'saveOverrides', providerId: 'openai', modelId: 'gpt-4o', contextWindow: null, maxOutputTokens: null, input: 0.1, output: null, cachedInput: null }).ok, true);
    assert.match(JSON.stringify(request({ action: 'saveFallback', steps: [{ provider: 'Not An Id', model: 'x' }] })), /steps\.0\.provider/);
    assert.match(JSON.stringify(request({ action: 'saveBudget', budget: { id: 'overall:daily', scope: { kind: 'overall' }, period: 'daily', limitUsd: -1, alertAt: 0.8, mode: 'stop' } })), /budget\.limitUsd/);
    assert.match(JSON.stringify(request({ action: 'spend', days: 400 })), /days/);

    for (const raw of [null, 'ready', 42, [], {}]) assert.equal(parseMessage(webviewToHost, raw).ok, false, JSON.stringify(raw));
  });
});
