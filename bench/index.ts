// `npm run bench`: streams 1,000 / 20,000 / 200,000 small deltas from a loopback server (another
// process) through each adapter and through a floor (the same fetch + eventsource-parser, no
// adapter work), and prints throughput, CPU time, peak heap and first-delta latency, with ratios.
import { execFileSync, fork } from 'node:child_process';
import { join } from 'node:path';
import { createParser } from 'eventsource-parser';
import { createProvider } from '../src/core';
import { benchImport } from './importProviders';
import { benchLedger } from './ledger';
import { benchPrices } from './prices';

interface Run {
  deltas: number;
  ms: number;
  cpuMs: number;
  firstDeltaMs: number;
  peakHeapMb: number;
}

type Runner = (url: string, n: number) => Promise<Run>;
type Format = 'openai' | 'anthropic' | 'gemini' | 'ollama';

const SIZES = [1_000, 20_000, 200_000];
const REPEATS: Record<number, number> = { 1_000: 15, 20_000: 5, 200_000: 3 };

function measure(body: (onDelta: () => void) => Promise<number>): (n: number) => Promise<Run> {
  return async (n) => {
    global.gc?.();
    const started = performance.now();
    const cpu = process.cpuUsage();
    let first = 0;
    let seen = 0;
    let peak = process.memoryUsage().heapUsed;
    const deltas = await body(() => {
      if (seen++ === 0) first = performance.now() - started;
      // Sampled, not on every delta: memoryUsage() itself costs microseconds.
      if ((seen & 1023) === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    });
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    if (deltas !== n) throw new Error(`expected ${n} deltas, got ${deltas}`);
    return {
      deltas,
      ms,
      cpuMs: (used.user + used.system) / 1000,
      firstDeltaMs: first,
      peakHeapMb: Math.max(peak, process.memoryUsage().heapUsed) / 2 ** 20,
    };
  };
}

const DELTA_MARKER: Record<Format, string> = {
  openai: '"content"',
  anthropic: 'text_delta',
  gemini: ' tok',
  ollama: '"done":false',
};

/**
 * The floor: fetch, the body reader and eventsource-parser's callback parser; no JSON, no adapter.
 * With `parseJson`, the reference: the floor plus JSON.parse of every event, the least any client must do.
 */
const floor =
  (format: Format, parseJson = false): Runner =>
  (url, n) =>
    measure(async (onDelta) => {
      const response = await fetch(`${url}/x?format=${format}&n=${n}`, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let count = 0;
      const parser = createParser({
        onEvent: (event) => {
          const parsed: unknown = parseJson && event.data !== '[DONE]' ? JSON.parse(event.data) : true;
          if (parsed !== null && event.data.includes(DELTA_MARKER[format])) {
            count++;
            onDelta();
          }
        },
      });
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
      return count;
    })(n);

/** The NDJSON floor (Ollama): fetch, the body reader and a line split; no JSON, no adapter. */
const ndjsonFloor: Runner = (url, n) =>
  measure(async (onDelta) => {
    const response = await fetch(`${url}/x?format=ollama&n=${n}`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let count = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let newline = buffer.indexOf('\n');
      let start = 0;
      while (newline !== -1) {
        if (buffer.slice(start, newline).includes(DELTA_MARKER.ollama)) {
          count++;
          onDelta();
        }
        start = newline + 1;
        newline = buffer.indexOf('\n', start);
      }
      buffer = buffer.slice(start);
    }
    return count;
  })(n);

/** An adapter through createProvider; the server reads format and n from the query string. */
const adapter =
  (type: 'openai-compatible' | 'anthropic' | 'gemini' | 'ollama', format: Format): Runner =>
  (url, n) =>
    measure(async (onDelta) => {
      const provider = createProvider({
        type,
        baseUrl: url,
        apiKey: 'bench',
        fetch: (input, init) => fetch(`${(input as string).split('?')[0]}?format=${format}&n=${n}`, init),
      });
      let count = 0;
      for await (const event of provider.chat({ model: 'bench', messages: [{ role: 'user', content: 'go' }] })) {
        if (event.type === 'text') {
          count++;
          onDelta();
        }
      }
      return count;
    })(n);

/** Each group is measured against its own floor (the first runner). */
const groups: Array<{ title: string; runners: Array<[string, Runner]> }> = [
  {
    title: 'OpenAI Chat Completions (SSE)',
    runners: [
      ['floor (fetch + eventsource-parser)', floor('openai')],
      ['floor + JSON.parse (reference)', floor('openai', true)],
      ['openai-compatible adapter', adapter('openai-compatible', 'openai')],
    ],
  },
  {
    title: 'Anthropic Messages (SSE)',
    runners: [
      ['floor (fetch + eventsource-parser)', floor('anthropic')],
      ['floor + JSON.parse (reference)', floor('anthropic', true)],
      ['anthropic adapter', adapter('anthropic', 'anthropic')],
    ],
  },
  {
    title: 'Gemini (SSE)',
    runners: [
      ['floor (fetch + eventsource-parser)', floor('gemini')],
      ['floor + JSON.parse (reference)', floor('gemini', true)],
      ['gemini adapter', adapter('gemini', 'gemini')],
    ],
  },
  {
    title: 'Ollama (NDJSON)',
    runners: [
      ['floor (fetch + line split)', ndjsonFloor],
      ['ollama adapter', adapter('ollama', 'ollama')],
    ],
  },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function measureGroup(url: string, runners: Array<[string, Runner]>, n: number): Promise<void> {
  // Warm up JIT and connection pool, then interleave runners so drift hits them alike.
  for (const [, runner] of runners) await runner(url, Math.min(n, 20_000));
  const results = new Map<string, Run[]>(runners.map(([name]) => [name, []]));
  for (let repeat = 0; repeat < REPEATS[n]!; repeat++) {
    for (const [name, runner] of runners) results.get(name)!.push(await runner(url, n));
  }
  const summary = runners.map(([name]) => {
    const runs = results.get(name)!;
    return {
      name,
      rate: n / (median(runs.map((run) => run.ms)) / 1000),
      cpuMs: median(runs.map((run) => run.cpuMs)),
      firstMs: median(runs.map((run) => run.firstDeltaMs)),
      heapMb: Math.max(...runs.map((run) => run.peakHeapMb)),
    };
  });
  const base = summary[0]!;
  process.stdout.write(`\n${n.toLocaleString('en-US')} deltas\n`);
  process.stdout.write(
    `${'runner'.padEnd(36)}${'deltas/s'.padStart(12)}${'×floor'.padStart(8)}${'CPU ms'.padStart(10)}${'×floor'.padStart(8)}${'1st delta ms'.padStart(14)}${'+ms'.padStart(8)}${'peak heap MB'.padStart(14)}\n`,
  );
  for (const row of summary) {
    process.stdout.write(
      `${row.name.padEnd(36)}${Math.round(row.rate).toLocaleString('en-US').padStart(12)}${(row.rate / base.rate).toFixed(2).padStart(8)}` +
        `${row.cpuMs.toFixed(1).padStart(10)}${(row.cpuMs / base.cpuMs).toFixed(2).padStart(8)}${row.firstMs.toFixed(2).padStart(14)}` +
        `${(row.firstMs - base.firstMs).toFixed(2).padStart(8)}${row.heapMb.toFixed(1).padStart(14)}\n`,
    );
  }
}

async function main(): Promise<void> {
  const server = fork(join(__dirname, 'server.js'), [], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve) =>
    server.stdout!.once('data', (data: Buffer) => resolve(data.toString().trim())),
  );
  try {
    process.stdout.write(`Node ${process.version}; medians; server in its own process on ${url}\n`);
    const only = process.argv[2];
    for (const group of groups.filter((candidate) => !only || candidate.title.toLowerCase().startsWith(only))) {
      process.stdout.write(`\n## ${group.title}\n`);
      for (const n of SIZES) await measureGroup(url, group.runners, n);
    }
    if (!only || 'usage ledger'.startsWith(only)) await benchLedger((line) => process.stdout.write(line));
    if (!only || 'import'.startsWith(only)) await benchImport((line) => process.stdout.write(line));
    if (!only || 'prices'.startsWith(only)) await benchPrices((line) => process.stdout.write(line));
    // Its own process: the first count must meet a tokenizer not yet loaded.
    if (!only || 'tokens'.startsWith(only))
      process.stdout.write(execFileSync(process.execPath, [join(__dirname, 'tokenCount.js')], { encoding: 'utf8' }));
  } finally {
    server.kill();
  }
}

void main();
