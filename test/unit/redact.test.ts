import assert from 'node:assert/strict';
import { createLogger, REDACTED, Redactor, redact, type LogLevel } from '../../src/core';
import { CUT } from '../../src/core/redact';

describe('redaction', () => {
  const key = 'sk-proj-Abc123Def456Ghi789Jkl012';

  it('redacts auth headers in header dumps, JSON and curl lines', () => {
    const cases: Array<[string, string]> = [
      [`Authorization: Bearer ${key}`, `Authorization: Bearer ${REDACTED}`],
      [`authorization: bearer opaque-token-value`, `authorization: bearer ${REDACTED}`],
      [
        `{"Authorization":"Bearer ${key}","accept":"text/event-stream"}`,
        `{"Authorization":"Bearer ${REDACTED}","accept":"text/event-stream"}`,
      ],
      [`x-api-key: ant-opaque-value-1234`, `x-api-key: ${REDACTED}`],
      [`{"x-api-key": "opaque-anthropic-value"}`, `{"x-api-key": "${REDACTED}"}`],
      [`api-key: 0123456789abcdef0123456789abcdef`, `api-key: ${REDACTED}`],
      [`x-goog-api-key: opaque-google-value`, `x-goog-api-key: ${REDACTED}`],
      [`Proxy-Authorization: Basic dXNlcjpwYXNz`, `Proxy-Authorization: Basic ${REDACTED}`],
      [
        `curl -H 'Authorization: Bearer opaque-token-value' https://x`,
        `curl -H 'Authorization: Bearer ${REDACTED}' https://x`,
      ],
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
    const text =
      'Rate limited by OpenAI (429): retry in 12 s; model gpt-4o-mini; tokens 1200/800; key-value store ready';
    assert.equal(redact(text), text);
  });

  it('redacts registered secrets of any shape, and stops after removal', () => {
    const redactor = new Redactor();
    const custom = 'my-selfhosted-token-42';
    redactor.addSecret(custom);
    assert.equal(
      redactor.redact(`token ${custom} rejected; again ${custom}`),
      `token ${REDACTED} rejected; again ${REDACTED}`,
    );
    redactor.removeSecret(custom);
    assert.equal(redactor.redact(`token ${custom}`), `token ${custom}`);
  });

  it('redacts a key pasted into a URL as its user info', () => {
    assert.equal(
      redact('GET https://user:opaque-secret@h.example/v1 failed'),
      `GET https://${REDACTED}@h.example/v1 failed`,
    );
    assert.equal(redact('mail someone@example.com'), 'mail someone@example.com');
  });

  describe('clip: redact first, cut after', () => {
    const opaque = 'Q7zX9kV2pL4mW8rT6yN3bJ5hF1dS0gC';
    const knowing = () => {
      const redactor = new Redactor();
      redactor.addSecret(opaque);
      return redactor;
    };

    it('leaves no fragment of a key the cut falls inside, known or of a known shape', () => {
      const tail = ' and more'.repeat(20);
      for (const inside of [4, 12, 30]) {
        const clipped = knowing().clip(`${'x'.repeat(100 - inside)}${opaque}${tail}`, 100);
        assert.ok(clipped.length <= 100 && clipped.endsWith(CUT), clipped);
        assert.ok(!clipped.includes(opaque.slice(0, 4)), clipped);
        // A pattern key: the patterns alone, no registered secret.
        const shaped = new Redactor().clip(`${'x'.repeat(99 - inside)} ${key}${tail}`, 100);
        assert.ok(!shaped.includes(key.slice(8, 12)), shaped);
      }
      assert.equal(knowing().clip('short enough', 100), 'short enough');
    });

    it('a redactor that knows the key cleans text cut before it saw the key; masks and ordinary words stay', () => {
      const cutEarlier = `the provider said: token ${opaque.slice(0, 9)}${CUT} (during the response)`;
      assert.equal(knowing().redact(cutEarlier), `the provider said: token ${REDACTED}${CUT} (during the response)`);
      assert.equal(redact(`echoed ${key.slice(0, 14)}${CUT}`), `echoed ${REDACTED}${CUT}`);
      const vendor = new Redactor();
      vendor.addSecret(key);
      for (const kept of [`key sk-proj-${CUT}Jl012 is set`, `Loading${CUT}`, `cut at Q7z${CUT}`])
        assert.equal(vendor.redact(kept), kept);
    });

    it('redacts a window of a huge text and drops what the window cut off, however much redaction shrank it', () => {
      const long = `${'k'.repeat(60)}${'9'.repeat(60)}`;
      const redactor = new Redactor();
      redactor.addSecret(long);
      // 120-character keys shrink to 10: without the drop the window's cut would land inside what is kept.
      const clipped = redactor.clip(`${long} `.repeat(200), 1000);
      assert.ok(!clipped.includes('kkkk') && !clipped.includes('9999'), clipped);
      assert.ok(clipped.startsWith(`${REDACTED} ${REDACTED}`), clipped);
    });
  });

  it('redactValue redacts every string in a message and keeps the rest', () => {
    const redactor = new Redactor();
    redactor.addSecret('opaque-registered-secret');
    const message = {
      type: 'reply',
      id: 7,
      report: {
        ok: false,
        stages: [
          {
            stage: 'auth',
            status: 'fail',
            message: 'rejected opaque-registered-secret',
            code: 'opaque-registered-secret',
            ms: 12,
          },
        ],
        suggestedBaseUrl: 'https://h/v1?key=abc',
      },
      card: { mask: 'sk-proj-…Jl012', enabled: true, models: ['gpt-4o', 'opaque-registered-secret'] },
    };
    assert.deepEqual(redactor.redactValue(message), {
      type: 'reply',
      id: 7,
      report: {
        ok: false,
        stages: [{ stage: 'auth', status: 'fail', message: `rejected ${REDACTED}`, code: REDACTED, ms: 12 }],
        suggestedBaseUrl: `https://h/v1?key=${REDACTED}`,
      },
      card: { mask: 'sk-proj-…Jl012', enabled: true, models: ['gpt-4o', REDACTED] },
    });
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
    log.error('request failed', new Error('bad key opaque-registered-secret', { cause }), {
      headers: { Authorization: 'Bearer opaque-bearer-token' },
    });
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
