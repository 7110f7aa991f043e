// VS Code's chat counts every fragment of a prompt it builds through provideTokenCount. Run in a
// process of its own (`node out/bench/tokenCount.js`), so the first count meets an unloaded
// tokenizer, as after VS Code starts. Targets: the first count within 5 ms; short fragments at most
// 0.1 ms each on average.
import { countPromptTokensNow } from '../src/core/cost/estimate';

const count = (text: string) => countPromptTokensNow({ model: '', messages: [{ role: 'user', content: text }] });
const FRAGMENT = 'const answer = await model.sendRequest(messages, options, token); // one line of code';

async function main(): Promise<void> {
  let started = performance.now();
  const first = count(FRAGMENT);
  const firstMs = performance.now() - started;
  started = performance.now();
  while (!count(FRAGMENT).exact) await new Promise((resolve) => setTimeout(resolve, 1));
  const loadMs = performance.now() - started;
  const exact = count(FRAGMENT).tokens;
  const repeats = 20_000;
  started = performance.now();
  for (let index = 0; index < repeats; index++) count(`${FRAGMENT} ${index}`);
  const perCallMs = (performance.now() - started) / repeats;
  const large = FRAGMENT.repeat(Math.ceil(20_480 / FRAGMENT.length));
  started = performance.now();
  for (let index = 0; index < 50; index++) count(large + index);
  const largeMs = (performance.now() - started) / 50;
  process.stdout.write(
    `\n## provideTokenCount\n` +
      `first count ${firstMs.toFixed(2)} ms (estimated ${first.tokens} tokens, exact ${exact}; target at most 5 ms); ` +
      `exact after ${loadMs.toFixed(0)} ms as the tokenizer loads in the background; ` +
      `a line: ${(perCallMs * 1000).toFixed(1)} µs per count (target at most 100 µs); 20 KB: ${largeMs.toFixed(2)} ms\n`,
  );
}

void main();
