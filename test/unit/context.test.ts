import assert from 'node:assert/strict';
import { fitToContext, localTokenCounter, type ChatMessage } from '../../src/core';

describe('fitToContext', () => {
  let countTokens: (text: string) => number;
  before(async () => {
    countTokens = await localTokenCounter();
  });

  const total = (messages: ChatMessage[]) =>
    messages.reduce((sum, message) => sum + countTokens(message.content as string) + 4, 0);
  const history = (turns: number): ChatMessage[] =>
    Array.from({ length: turns }, (_, turn): ChatMessage[] => [
      { role: 'user', content: `Question ${turn}: ${'why '.repeat(50)}` },
      { role: 'assistant', content: `Answer ${turn}: ${'because '.repeat(80)}` },
    ]).flat();

  it('keeps everything that fits, attachments before the prompt', () => {
    const result = fitToContext(history(2), 'What now?', [{ label: 'a.ts', text: 'const a = 1;' }], {
      contextWindow: 10_000,
      reserveForAnswer: 1000,
      countTokens,
    });
    assert.equal(result.droppedMessages, 0);
    assert.deepEqual(result.shortened, []);
    assert.equal(result.messages.length, 5);
    assert.equal(result.messages.at(-1)!.content, '<attachment name="a.ts">\nconst a = 1;\n</attachment>\n\nWhat now?');
  });

  it('drops the oldest turns first, never starting on an answer, and stays inside the window', () => {
    const turns = history(10);
    const options = { contextWindow: 1200, reserveForAnswer: 300, countTokens };
    const result = fitToContext(turns, 'What now?', [], options);
    assert.ok(result.droppedMessages > 0 && result.droppedMessages < turns.length, String(result.droppedMessages));
    assert.equal(result.messages[0]!.role, 'user');
    // The newest turns are the ones kept, in order.
    assert.deepEqual(result.messages.slice(0, -1), turns.slice(result.droppedMessages));
    assert.ok(
      total(result.messages) <= options.contextWindow - options.reserveForAnswer,
      String(total(result.messages)),
    );
  });

  it('cuts a large attachment to what fits, at a line end, and says how much was kept', () => {
    const big = Array.from(
      { length: 4000 },
      (_, line) => `export const value${line} = ${line} * 2; // line ${line}`,
    ).join('\n');
    const options = { contextWindow: 8000, reserveForAnswer: 2000, countTokens };
    const result = fitToContext(history(3), 'Explain this file.', [{ label: 'big.ts', text: big }], options);
    const content = result.messages.at(-1)!.content as string;
    assert.match(content, /^<attachment name="big.ts" truncated="true">\nexport const value0 = 0 \* 2; \/\/ line 0\n/);
    assert.match(content, /\/\/ line \d+\n<\/attachment>\n\nExplain this file\.$/, 'cut at a whole line');
    const [shortened] = result.shortened;
    assert.equal(shortened!.label, 'big.ts');
    assert.ok(shortened!.keptFraction > 0.05 && shortened!.keptFraction < 0.2, String(shortened!.keptFraction));
    assert.equal(result.messages.length, 1 + 6 - result.droppedMessages);
    const used = total(result.messages);
    assert.ok(
      used <= options.contextWindow - options.reserveForAnswer &&
        used > (options.contextWindow - options.reserveForAnswer) * 0.9,
      String(used),
    );
  });

  it('cuts the first attachment to the room left, and leaves out the next when no useful part of it fits', () => {
    const result = fitToContext(
      [],
      'Compare them.',
      [
        { label: 'huge.txt', text: 'word '.repeat(5000) },
        { label: 'small.txt', text: 'small '.repeat(200) },
      ],
      { contextWindow: 600, reserveForAnswer: 100, countTokens },
    );
    const content = result.messages.at(-1)!.content as string;
    assert.match(content, /name="huge.txt" truncated="true"/);
    assert.doesNotMatch(content, /small\.txt/, 'nothing left for the second');
    assert.deepEqual(
      result.shortened.map((item) => [item.label, item.keptFraction > 0]),
      [
        ['huge.txt', true],
        ['small.txt', false],
      ],
    );
  });

  it('never sends two user turns in a row: an unanswered question before the prompt is left out', () => {
    const unanswered: ChatMessage[] = [...history(1), { role: 'user', content: 'A question whose answer failed' }];
    const result = fitToContext(unanswered, 'Try again', [], {
      contextWindow: 10_000,
      reserveForAnswer: 1000,
      countTokens,
    });
    assert.deepEqual(
      result.messages.map((message) => message.role),
      ['user', 'assistant', 'user'],
    );
    assert.equal(result.messages.at(-1)!.content, 'Try again');
    assert.equal(result.droppedMessages, 0, 'not left out for room');
  });

  it('sends the prompt even when it alone overflows (the provider then says so)', () => {
    const prompt = 'too long '.repeat(500);
    const result = fitToContext(history(1), prompt, [{ label: 'x', text: 'y' }], {
      contextWindow: 200,
      reserveForAnswer: 50,
      countTokens,
    });
    assert.deepEqual(result.messages, [{ role: 'user', content: prompt }]);
    assert.equal(result.droppedMessages, 2);
    assert.deepEqual(result.shortened, [{ label: 'x', keptFraction: 0 }]);
  });
});
