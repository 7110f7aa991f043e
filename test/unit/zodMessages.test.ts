import assert from 'node:assert/strict';
import type { EventSourceMessage } from 'eventsource-parser';
import { anthropicStream } from '../../src/core/adapters/anthropicStream';
import { geminiStream } from '../../src/core/adapters/gemini';
import { ollamaStream } from '../../src/core/adapters/ollamaStream';
import { openAiChatStream } from '../../src/core/adapters/openaiChatStream';
import { responsesStream } from '../../src/core/adapters/openaiResponsesStream';
import type { StreamParser } from '../../src/core/adapters/shared';
import type { TransportConfig } from '../../src/core/http';
import { Redactor } from '../../src/core/redact';
import { systemClock } from '../../src/core/types';
import { readSettings } from '../../src/platform/settingsSchema';

// The words users and logs see when a provider's payload or a setting does not fit its schema: the
// field's path and zod's English message, whichever zod API (classic or mini) the schema is built with.

const transport: TransportConfig = {
  providerName: 'Test',
  fetch: () => Promise.reject(new Error('no network')),
  clock: systemClock,
  timeouts: { firstByteMs: 1000, idleMs: 1000 },
  redactor: new Redactor(),
};

/** The message a parser throws on one payload (the test fails if it takes it). */
function failure(parser: StreamParser<EventSourceMessage>, payload: unknown, event?: string): string {
  try {
    parser.accept({ id: undefined, event, data: JSON.stringify(payload) }, []);
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail('the payload was taken');
}

describe('schema messages at the boundaries', () => {
  it('a streamed payload of the wrong shape is named by its first wrong field, in English', () => {
    assert.equal(
      failure(openAiChatStream(transport, false), { choices: [{ delta: { content: 12 } }] }),
      'Test sent an unexpected response (choices.0.delta.content: Invalid input: expected string, received number)',
    );
    assert.equal(
      failure(anthropicStream(transport, false), { type: 'content_block_delta', delta: 'x' }, 'content_block_delta'),
      'Test sent an unexpected response (delta: Invalid input: expected object, received string)',
    );
    assert.equal(
      failure(responsesStream(transport, false), { type: 5 }),
      'Test sent an unexpected response (type: Invalid input: expected string, received number)',
    );
    assert.equal(
      failure(geminiStream(transport), { candidates: [{ content: { parts: [{ thought: 'yes' }] } }] }),
      'Test sent an unexpected response (candidates.0.content.parts.0.thought: Invalid input: expected boolean, received string)',
    );
    assert.throws(
      () => ollamaStream(transport, false).acceptLine(JSON.stringify({ message: { tool_calls: [{}] } }), []),
      {
        message:
          'Test sent an unexpected response (message.tool_calls.0.function: Invalid input: expected object, received undefined)',
      },
    );
  });

  it('a numeric setting out of range, or not an integer, is named with what it must be', () => {
    const { problems } = readSettings(
      {
        get: (key) =>
          ({
            'retry.maxAttempts': 2.5,
            'circuit.failureThreshold': 0,
            'health.intervalMinutes': 2000,
            'gateway.lowCreditPercent': -1,
            'fallback.chain': [{ provider: 'openai', model: '', extra: true }],
          })[key],
        layers: () => ({}),
      },
      { trusted: true },
    );
    assert.deepEqual(problems, [
      'switchboard.fallback.chain ignored (no fallback until it is fixed): [0].model: Too small: expected string to have >=1 characters; [0]: Unrecognized key: "extra"',
      'switchboard.health.intervalMinutes 2000 ignored (Too big: expected number to be <=1440); using 5',
      'switchboard.retry.maxAttempts 2.5 ignored (Invalid input: expected int, received number); using 3',
      'switchboard.circuit.failureThreshold 0 ignored (Too small: expected number to be >=1); using 3',
      'switchboard.gateway.lowCreditPercent -1 ignored (Too small: expected number to be >=0); using 20',
    ]);
  });
});
