import assert from 'node:assert/strict';
import { panelStage } from '../../src/panel/rows';

const body = '{"error":{"detail":"upstream model gpt-4o is not served here","status":"unavailable"}}';

describe('a failed connection-test stage, as the panel says it', () => {
  it('keeps a raw body out of the sentence, and names the base URL only where the URL is in question', () => {
    // The model list loaded through this URL: a chat that fails is not about the URL.
    const chat = panelStage({
      stage: 'chat',
      status: 'fail',
      message: `OpenAI has no such endpoint (404); check the base URL: ${body}`,
      code: '404',
      detail: body,
    });
    assert.deepEqual([chat.message, chat.detail], ['OpenAI has no such endpoint (404)', body]);
    const models = panelStage({
      stage: 'models',
      status: 'fail',
      message: `OpenAI has no such endpoint (404); check the base URL: ${body}`,
      detail: body,
    });
    assert.deepEqual([models.message, models.detail], ['OpenAI has no such endpoint (404); check the base URL', body]);
  });

  it('keeps what the server said in words in the sentence, with nothing apart', () => {
    const stage = panelStage({
      stage: 'chat',
      status: 'fail',
      message: 'OpenAI rejected the request (400): Unsupported parameter: max_tokens',
      detail: 'Unsupported parameter: max_tokens',
      ms: 40,
    });
    assert.deepEqual(stage, {
      stage: 'chat',
      status: 'fail',
      message: 'OpenAI rejected the request (400): Unsupported parameter: max_tokens',
      ms: 40,
    });
  });
});
