import assert from 'node:assert/strict';
import { createLogger, REDACTED, Redactor, redact, type LogLevel } from '../../src/core';

describe('redaction', () => {
  const key = 'sk-proj-Abc123Def456Ghi789Jkl012';

  it('redacts auth headers in header dumps, JSON and curl lines', () => {
    const cases: Array<[string, string]> = [
      [`Authorization: Bearer ${key}`, `Authorization: Bearer ${REDACTED}`],
      [`authorization: bearer opaque-token-value`, `authorization: bearer ${REDACTED}`],
      [`{"Authorization":"Bearer ${key}","accept":"text/event-stream"}`, `{"Authorization":"Bearer ${REDACTED}","accept":"text/event-stream"}`],
      [`x-api-key: ant-opaque-value-1234`, `x-api-key: ${REDACTED}`],
      [`{"x-api-key": "opaque-anthropic-value"}`, `{"x-api-key": "${REDACTED}"}`],
      [`api-key: 0123456789abcdef0123456789abcdef`, `api-key: ${REDACTED}`],
      [`x-goog-api-key: opaque-google-value`, `x-goog-api-key: ${REDACTED}`],
      [`Proxy-Authorization: Basic dXNlcjpwYXNz`, `Proxy-Authorization: Basic ${REDACTED}`],
      [`curl -H 'Authorization: Bearer opaque-token-value' https://x`, `curl -H 'Authorization: Bearer ${REDACTED}' https://x`],
    ];
    for (const [input, expected] of cases) assert.equal(redact(input), expected, input);
  });

  it('redacts key query parameters and keeps the rest of the URL', () => {
    assert.equal(
      redact('GET https://generativelanguage.googleapis.com/v1beta/models?key=opaque-value&pageSize=50 failed'),
      `GET https://generativelanguage.googleapis.com/v1beta/models?key=${REDACTED}&pageSize=50 failed`,
    );
    assert.equal(redact('https://h/x?alt=sse&api_key=opaque#frag'), `https://h/x?alt=sse&api_key=${REDACTED}#frag`);
    assert.equal(redact('https://h/x?api-key=opaque'), `https://h/x?api-key=${REDACTED}`);
  });

  it('redacts well-known key shapes wherever they stand', () => {
    const shapes = [
      key,
      'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789',
      'sk-or-v1-0123456789abcdef0123456789abcdef',
      'AIzaSyA-0123456789abcdefghijklmnopqrstu',
      'xai-0123456789abcdefghijABCDEFGHIJ',
      'gsk_0123456789abcdefghijABCDEFGHIJ',
    ];
    for (const shape of shapes) {
      const line = redact(`provider said: Incorrect API key provided: ${shape}. Check it.`);
      assert.ok(!line.includes(shape), line);
      assert.ok(line.includes(REDACTED), line);
    }
  });

  it('leaves ordinary text alone', () => {
    const text = 'Rate limited by OpenAI (429): retry in 12 s; model gpt-4o-mini; tokens 1200/800; key-value store ready';
    assert.equal(redact(text), text);
  });

  it('redacts registered secrets of any shape, and stops after removal', () => {
    const redactor = new Redactor();
    const custom = 'my-selfhosted-token-42';
    redactor.addSecret(custom);
    assert.equal(redactor.redact(`token ${custom} rejected; again ${custom}`), `token ${REDACTED} rejected; again ${REDACTED}`);
    redactor.removeSecret(custom);
    assert.equal(redactor.redact(`token ${custom}`), `token ${custom}`);
  });

  it('ignores registered secrets too short to be keys', () => {
    const redactor = new Redactor();
    redactor.addSecret('abc');
    assert.equal(redactor.redact('abcdef'), 'abcdef');
  });
});

describe('logger', () => {
  function capture() {
    const lines: Array<[LogLevel, string]> = [];
    return { lines, sink: { log: (level: LogLevel, line: string) => lines.push([level, line]) } };
  }

  it('redacts messages, details, error messages and causes before the sink sees them', () => {
    const { lines, sink } = capture();
    const redactor = new Redactor();
    redactor.addSecret('opaque-registered-secret');
    const log = createLogger(sink, redactor).child('openai');
    const cause = new Error('request to https://h/v1?key=opaque-query failed');
    log.error('request failed', new Error('bad key opaque-registered-secret', { cause }), { headers: { Authorization: 'Bearer opaque-bearer-token' } });
    assert.equal(lines.length, 1);
    const [level, line] = lines[0]!;
    assert.equal(level, 'error');
    assert.ok(line.startsWith('[openai] request failed Error: bad key [REDACTED]'), line);
    for (const secret of ['opaque-registered-secret', 'opaque-query', 'opaque-bearer-token']) {
      assert.ok(!line.includes(secret), `${secret} leaked: ${line}`);
    }
  });

  it('tags nested components and keeps the level', () => {
    const { lines, sink } = capture();
    createLogger(sink).child('router').child('fallback').warn('switched', 'to anthropic');
    assert.deepEqual(lines, [['warn', '[router/fallback] switched to anthropic']]);
  });
});
