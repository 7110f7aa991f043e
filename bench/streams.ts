// One process of `npm run bench`'s stream section (index.js run again with `--streams`, so every
// figure comes from a fresh process): `warm <format> <n> <url>` measures every runner of a format, interleaved after a
// warm-up; `cold <format> <runner> <url>` makes the one first request of a process. Prints one line
// of JSON.
import { createParser } from 'eventsource-parser';
import { request } from 'undici';
import { type Provider } from '../src/core';
import { createProvider } from '../src/core/provider';

export type Format = 'openai' | 'responses' | 'anthropic' | 'gemini' | 'ollama';
export const FORMATS: Format[] = ['openai', 'responses', 'anthropic', 'gemini', 'ollama'];
/** The runners of every format, the floors first; `ratio` rows are compared with both floors. */
export const RUNNERS = ['fetch floor', 'undici floor', 'undici + JSON.parse', 'core'] as const;
export type RunnerName = (typeof RUNNERS)[number];

export interface Run {
  ms: number;
  cpuMs: number;
  firstDeltaMs: number;
  /** The highest heapUsed seen during the stream, less heapUsed (after a GC) before it. */
  heapGrowthMb: number;
}

/** What marks a text delta on the wire, for the floors (which parse no JSON). */
const DELTA_MARKER: Record<Format, string> = {
  openai: '"content"',
  responses: 'output_text.delta',
  anthropic: 'text_delta',
  gemini: ' tok',
  ollama: '"done":false',
};

const PROVIDER_TYPE = {
  openai: 'openai-compatible',
  responses: 'openai',
  anthropic: 'anthropic',
  gemini: 'gemini',
  ollama: 'ollama',
} as const;

type Body = (onDelta: () => void) => Promise<number>;
type Runner = (url: string, n: number) => Body;

const post = { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } } as const;

/** Counts text deltas in text pieces: SSE through eventsource-parser, NDJSON by lines. */
function counter(format: Format, parseJson: boolean, onDelta: () => void) {
  let count = 0;
  const marker = DELTA_MARKER[format];
  const take = (data: string) => {
    const parsed: unknown = parseJson && data !== '[DONE]' ? JSON.parse(data) : true;
    if (parsed !== null && data.includes(marker)) {
      count++;
      onDelta();
    }
  };
  if (format === 'ollama') {
    let buffer = '';
    return {
      feed(text: string) {
        buffer += text;
        let start = 0;
        for (let newline = buffer.indexOf('\n'); newline !== -1; newline = buffer.indexOf('\n', start)) {
          take(buffer.slice(start, newline));
          start = newline + 1;
        }
        buffer = buffer.slice(start);
      },
      count: () => count,
    };
  }
  const parser = createParser({ onEvent: (event) => take(event.data) });
  return { feed: (text: string) => parser.feed(text), count: () => count };
}

/** The fetch floor: the host's fetch, the body's reader, TextDecoder and the parser; no JSON, no adapter. */
const fetchFloor =
  (format: Format): Runner =>
  (url, n) =>
  async (onDelta) => {
    const response = await fetch(`${url}/x?format=${format}&n=${n}`, post);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const parse = counter(format, false, onDelta);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parse.feed(decoder.decode(value, { stream: true }));
    }
    return parse.count();
  };

/** The undici floor: npm undici's `request` (a Node stream, no WHATWG streams), TextDecoder and the parser. */
const undiciFloor =
  (format: Format, parseJson = false): Runner =>
  (url, n) =>
  async (onDelta) => {
    const { body } = await request(`${url}/x?format=${format}&n=${n}`, post);
    const decoder = new TextDecoder();
    const parse = counter(format, parseJson, onDelta);
    for await (const chunk of body) parse.feed(decoder.decode(chunk as Buffer, { stream: true }));
    return parse.count();
  };

/** The core: createProvider and `chat`, counting text events. The server reads format and n from the query. */
function coreProvider(format: Format, url: string, n: () => number): Provider {
  return createProvider({
    type: PROVIDER_TYPE[format],
    baseUrl: format === 'responses' ? `${url}/v1` : url,
    apiKey: 'bench',
    ...(format === 'responses' ? { openaiApi: 'responses' as const } : {}),
    fetch: (input, init) => fetch(`${(input as string).split('?')[0]}?format=${format}&n=${n()}`, init),
  });
}

const core = (format: Format): Runner => {
  let size = 0;
  let provider: Provider | undefined;
  return (url, n) => {
    provider ??= coreProvider(format, url, () => size);
    const chosen = provider;
    return async (onDelta) => {
      size = n;
      let count = 0;
      for await (const event of chosen.chat({ model: 'bench', messages: [{ role: 'user', content: 'go' }] })) {
        if (event.type !== 'text') continue;
        // Deltas that arrived in one read come as one event: each server delta is one ' tok<digit>'.
        for (let at = event.text.indexOf(' tok'); at !== -1; at = event.text.indexOf(' tok', at + 4)) {
          count++;
          onDelta();
        }
      }
      return count;
    };
  };
};

function runners(format: Format): Record<RunnerName, Runner> {
  return {
    'fetch floor': fetchFloor(format),
    'undici floor': undiciFloor(format),
    'undici + JSON.parse': undiciFloor(format, true),
    core: core(format),
  };
}

async function measure(body: Body, n: number): Promise<Run> {
  // Heap is sampled over 200,000 deltas only: memoryUsage() costs about 0.2 ms, a tenth of a
  // 20,000-delta floor's CPU when taken every 1,024 deltas.
  const sampleHeap = n >= 200_000;
  // Each run starts with an empty young generation, so none pays for collecting another's garbage
  // (the runners are interleaved). A full collection (the heap run's clean baseline) would also
  // shrink the young generation every time, so the code that allocates more paid for scavenges a
  // process that keeps streaming never sees (OpenAI, 1,000 deltas, one process: core ÷ fetch floor
  // 1.53× with a full collection before each run, 1.15× with none).
  if (sampleHeap) global.gc?.();
  else global.gc?.(true); // minor: the young generation only
  const heapBefore = process.memoryUsage().heapUsed;
  let peak = heapBefore;
  const started = performance.now();
  const cpu = process.cpuUsage();
  let first = 0;
  let seen = 0;
  const deltas = await body(() => {
    if (seen++ === 0) first = performance.now() - started;
    // Sampled, not on every delta: memoryUsage() itself costs microseconds.
    if (sampleHeap && (seen & 1023) === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
  });
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  if (deltas !== n) throw new Error(`expected ${n} deltas, got ${deltas}`);
  return {
    ms,
    cpuMs: (used.user + used.system) / 1000,
    firstDeltaMs: first,
    heapGrowthMb: (Math.max(peak, process.memoryUsage().heapUsed) - heapBefore) / 2 ** 20,
  };
}

const REPEATS: Record<number, number> = { 1_000: 25, 20_000: 7, 200_000: 1 };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Every runner of a format at n deltas, interleaved so drift hits them alike; medians. */
async function warm(format: Format, n: number, url: string): Promise<Record<RunnerName, Run>> {
  const all = runners(format);
  const names = n >= 200_000 ? (['fetch floor', 'undici floor', 'core'] as RunnerName[]) : [...RUNNERS];
  // Warm-up: JIT (the core has more code to optimise than a floor) and the connection pools.
  for (let round = 0; round < 20; round++) for (const name of names) await measure(all[name](url, 1000), 1000);
  for (const name of names) await measure(all[name](url, Math.min(n, 20_000)), Math.min(n, 20_000));
  const runs = new Map<RunnerName, Run[]>(names.map((name) => [name, []]));
  for (let repeat = 0; repeat < REPEATS[n]!; repeat++)
    for (const name of names) runs.get(name)!.push(await measure(all[name](url, n), n));
  const result: Partial<Record<RunnerName, Run>> = {};
  for (const [name, list] of runs) {
    result[name] = {
      ms: median(list.map((run) => run.ms)),
      cpuMs: median(list.map((run) => run.cpuMs)),
      firstDeltaMs: median(list.map((run) => run.firstDeltaMs)),
      heapGrowthMb: Math.max(...list.map((run) => run.heapGrowthMb)),
    };
  }
  return result as Record<RunnerName, Run>;
}

/** How long a fresh process idles before its first request: the host has started, nobody has typed yet. */
export const SETTLE_MS = 100;

/** The first request of this process (the runner is built, and the provider created, before the pause). */
async function cold(format: Format, name: RunnerName, url: string): Promise<Run> {
  const body = runners(format)[name](url, 1000);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return measure(body, 1000);
}

/**
 * `--streams warm <format> <n> <url>`, `--streams cold <format> <runner> <url>`, or (for
 * `node --cpu-prof`) `--streams profile <format> <runner> <url> <n> <repeats>`: one runner only.
 */
export async function streamsChild(args: string[]): Promise<void> {
  const [mode, format, what, url] = args as [string, Format, string, string];
  if (mode === 'profile') {
    const runner = runners(format)[what as RunnerName];
    for (let repeat = 0; repeat < Number(args[5] ?? 20); repeat++)
      await measure(runner(url, Number(args[4] ?? 20_000)), Number(args[4] ?? 20_000));
    return;
  }
  const result = mode === 'warm' ? await warm(format, Number(what), url) : await cold(format, what as RunnerName, url);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
