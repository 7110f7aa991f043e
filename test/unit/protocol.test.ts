import assert from 'node:assert/strict';
import { hostToWebview, parseMessage, webviewToHost } from '../../src/shared/protocol';

describe('panel message protocol', () => {
  it('accepts well-formed messages in both directions', () => {
    assert.deepEqual(parseMessage(webviewToHost, { type: 'ready' }), { ok: true, message: { type: 'ready' } });
    const init = { type: 'init', version: '0.1.0', providerCount: 2 };
    assert.deepEqual(parseMessage(hostToWebview, init), { ok: true, message: init });
  });

  it('rejects unknown types, extra fields and wrong values, naming the field', () => {
    const unknown = parseMessage(webviewToHost, { type: 'deleteEverything' });
    assert.equal(unknown.ok, false);
    assert.match(unknown.ok ? '' : unknown.error, /^type: /);

    const extra = parseMessage(webviewToHost, { type: 'ready', apiKey: 'x' });
    assert.equal(extra.ok, false);
    assert.match(extra.ok ? '' : extra.error, /apiKey/);

    const negative = parseMessage(hostToWebview, { type: 'init', version: '1', providerCount: -1 });
    assert.equal(negative.ok, false);
    assert.match(negative.ok ? '' : negative.error, /^providerCount: /);

    for (const raw of [null, 'ready', 42, [], {}]) assert.equal(parseMessage(webviewToHost, raw).ok, false, JSON.stringify(raw));
  });
});
