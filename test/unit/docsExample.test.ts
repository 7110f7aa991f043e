import assert from 'node:assert/strict';
import { main } from '../../docs/examples/core-chat';
import { useServers } from '../support/chat';
import { dataEvents, json, sse } from '../support/loopback';
import { finishChunk, OPENAI_USAGE, textDelta, usageChunk } from '../fixtures/openaiWire';

describe('the example in docs/core-api.md', () => {
  const serve = useServers();

  it('streams an answer and prints its usage', async () => {
    const server = await serve((_req, res) =>
      sse(
        res,
        dataEvents([
          textDelta('Hello there, '),
          textDelta('how are you?'),
          finishChunk('stop'),
          usageChunk(OPENAI_USAGE),
          '[DONE]',
        ]),
      ),
    );
    let out = '';
    const code = await main(
      { SWITCHBOARD_BASE_URL: `${server.url}/v1`, SWITCHBOARD_MODEL: 'm' },
      (text) => (out += text),
    );
    assert.equal(code, 0);
    assert.equal(out, 'Hello there, how are you?\n[67 tokens in, 31 out] (stop)\n');
  });

  it('prints a typed error without the key', async () => {
    const server = await serve((_req, res) =>
      json(res, 401, {
        error: { message: 'Incorrect API key provided: sk-example-0123456789abcdef.', code: 'invalid_api_key' },
      }),
    );
    let out = '';
    const code = await main(
      { SWITCHBOARD_BASE_URL: server.url, SWITCHBOARD_API_KEY: 'sk-example-0123456789abcdef' },
      (text) => (out += text),
    );
    assert.equal(code, 1);
    assert.equal(
      out,
      '\ninvalid_credentials: The provider rejected the API key (401): Incorrect API key provided: [REDACTED].\n',
    );
  });
});
