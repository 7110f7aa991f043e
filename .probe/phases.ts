import { createParser } from 'eventsource-parser';
import { createProvider } from '../src/core/provider';

const url = process.argv[2]!;
const format = (process.argv[3] ?? 'openai') as 'openai' | 'anthropic';
const n = 1000;
const type = format === 'openai' ? 'openai-compatible' : 'anthropic';
const post = { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } };
type Marks = Record<string, number>;

async function floor(): Promise<Marks> {
  const m: Marks = {};
  const t0 = performance.now();
  const response = await fetch(`${url}/x?format=${format}&n=${n}`, post);
  m.headers = performance.now() - t0;
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let count = 0;
  const parser = createParser({ onEvent: () => { if (count++ === 0) m.first = performance.now() - t0; } });
  for (;;) { const { done, value } = await reader.read(); if (done) break; parser.feed(decoder.decode(value, { stream: true })); }
  m.last = performance.now() - t0;
  m.done = m.last;
  return m;
}

let marks: Marks = {};
let t0 = 0;
const provider = createProvider({ type, baseUrl: url, apiKey: 'bench', fetch: async (input, init) => {
  marks.fetchCalled = performance.now() - t0;
  const r = await fetch(`${(input as string).split('?')[0]}?format=${format}&n=${n}`, init);
  marks.headers = performance.now() - t0;
  return r;
} });
async function core(): Promise<Marks> {
  marks = {};
  t0 = performance.now();
  let count = 0;
  for await (const event of provider.chat({ model: 'bench', messages: [{ role: 'user', content: 'go' }] })) {
    if (event.type === 'text') { if (count++ === 0) marks.first = performance.now() - t0; marks.last = performance.now() - t0; }
  }
  marks.done = performance.now() - t0;
  return marks;
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
(async () => {
  for (let i = 0; i < 30; i++) { await floor(); await core(); }
  const runs: Record<string, Marks[]> = { floor: [], core: [] };
  for (let i = 0; i < 60; i++) { runs.floor!.push(await floor()); runs.core!.push(await core()); }
  for (const [name, list] of Object.entries(runs)) {
    const keys = Object.keys(list[0]!);
    console.log(name.padEnd(6), keys.map((k) => `${k} ${median(list.map((m) => m[k]!)).toFixed(2)}`).join('  '));
  }
})();
