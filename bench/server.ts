// The benchmark's provider: a loopback server in its own process streaming N deltas in a real
// wire format (openai, anthropic, gemini or ollama) as fast as the socket takes them.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

type Format = 'openai' | 'responses' | 'anthropic' | 'gemini' | 'ollama';

// Real envelopes, so parsing costs what it costs against each provider.
const FORMATS: Record<
  Format,
  { contentType: string; head: string; delta: (text: string, sequence: number) => string; tail: string }
> = {
  openai: {
    contentType: 'text/event-stream',
    head: '',
    delta: (text) =>
      `data: {"id":"chatcmpl-BwoiPTGRbKkY5rncfaM0s9KtWrq5N","object":"chat.completion.chunk","created":1753357673,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_51e1070cf2","choices":[{"index":0,"delta":{"content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}],"usage":null}\n\n`,
    tail:
      'data: {"id":"chatcmpl-BwoiPTGRbKkY5rncfaM0s9KtWrq5N","object":"chat.completion.chunk","created":1753357673,"model":"gpt-4.1-2025-04-14","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}\n\n' +
      'data: {"id":"chatcmpl-BwoiPTGRbKkY5rncfaM0s9KtWrq5N","object":"chat.completion.chunk","created":1753357673,"model":"gpt-4.1-2025-04-14","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":1,"total_tokens":13}}\n\n' +
      'data: [DONE]\n\n',
  },
  responses: {
    contentType: 'text/event-stream',
    head:
      'event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_68a5c7f0d2d48190b1a2c3d4e5f60718","object":"response","created_at":1755694064,"status":"in_progress","model":"gpt-5-2025-08-07","output":[],"usage":null}}\n\n' +
      'event: response.output_item.added\ndata: {"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"msg_68a5c7f1a3b88190a0b1c2d3e4f50617","type":"message","status":"in_progress","content":[],"role":"assistant"}}\n\n' +
      'event: response.content_part.added\ndata: {"type":"response.content_part.added","sequence_number":2,"item_id":"msg_68a5c7f1a3b88190a0b1c2d3e4f50617","output_index":0,"content_index":0,"part":{"type":"output_text","annotations":[],"logprobs":[],"text":""}}\n\n',
    delta: (text, sequence) =>
      `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":${sequence},"item_id":"msg_68a5c7f1a3b88190a0b1c2d3e4f50617","output_index":0,"content_index":0,"delta":${JSON.stringify(text)},"logprobs":[]}\n\n`,
    tail:
      'event: response.output_text.done\ndata: {"type":"response.output_text.done","sequence_number":3,"item_id":"msg_68a5c7f1a3b88190a0b1c2d3e4f50617","output_index":0,"content_index":0,"text":"…","logprobs":[]}\n\n' +
      'event: response.completed\ndata: {"type":"response.completed","sequence_number":4,"response":{"id":"resp_68a5c7f0d2d48190b1a2c3d4e5f60718","object":"response","created_at":1755694064,"status":"completed","model":"gpt-5-2025-08-07","output":[{"id":"msg_68a5c7f1a3b88190a0b1c2d3e4f50617","type":"message","status":"completed","content":[{"type":"output_text","annotations":[],"logprobs":[],"text":"…"}],"role":"assistant"}],"usage":{"input_tokens":12,"input_tokens_details":{"cached_tokens":0},"output_tokens":15,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":27}}}\n\n',
  },
  anthropic: {
    contentType: 'text/event-stream',
    head:
      'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY","type":"message","role":"assistant","content":[],"model":"claude-opus-4-6","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}\n\n' +
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
    delta: (text) =>
      `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(text)}}}\n\n`,
    tail:
      'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n' +
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}\n\n' +
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
  },
  gemini: {
    contentType: 'text/event-stream',
    head: '',
    delta: (text) =>
      `data: {"candidates": [{"content": {"parts": [{"text": ${JSON.stringify(text)}}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 9,"candidatesTokenCount": 1,"totalTokenCount": 10},"modelVersion": "gemini-2.5-flash","responseId": "mFzsaL2XHo6Ez7IPyc7IoQU"}\r\n\r\n`,
    tail: 'data: {"candidates": [{"content": {"parts": [{"text": ""}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 9,"candidatesTokenCount": 2,"totalTokenCount": 11},"modelVersion": "gemini-2.5-flash","responseId": "mFzsaL2XHo6Ez7IPyc7IoQU"}\r\n\r\n',
  },
  ollama: {
    contentType: 'application/x-ndjson',
    head: '',
    delta: (text) =>
      `{"model":"llama3.2","created_at":"2025-08-21T10:12:00.123456Z","message":{"role":"assistant","content":${JSON.stringify(text)}},"done":false}\n`,
    tail: '{"model":"llama3.2","created_at":"2025-08-21T10:12:01.123456Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","total_duration":4883583458,"load_duration":1334875,"prompt_eval_count":26,"prompt_eval_duration":342546000,"eval_count":282,"eval_duration":4535599000}\n',
  },
};

// 64 deltas a write: about 16 KB for OpenAI, the size of a TLS record's worth of a fast stream.
const BATCH = 64;
const batches = Object.fromEntries(
  Object.entries(FORMATS).map(([name, format]) => [
    name,
    Buffer.from(Array.from({ length: BATCH }, (_, i) => format.delta(` tok${i % 10}`, 3 + i)).join('')),
  ]),
) as Record<Format, Buffer>;

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    const query = new URL(request.url ?? '/', 'http://x').searchParams;
    const count = Number(query.get('n') ?? '1000');
    const name = (query.get('format') ?? 'openai') as Format;
    const format = FORMATS[name];
    response.writeHead(200, { 'content-type': format.contentType });
    response.write(format.head);
    let sent = 0;
    const pump = () => {
      while (sent < count) {
        const take = Math.min(BATCH, count - sent);
        // The Responses API numbers its events: those batches are written afresh.
        const piece =
          take === BATCH && name !== 'responses'
            ? batches[name]
            : Buffer.from(Array.from({ length: take }, (_, i) => format.delta(` tok${i % 10}`, 3 + sent + i)).join(''));
        sent += take;
        if (!response.write(piece)) return void response.once('drain', pump);
      }
      response.end(format.tail);
    };
    pump();
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('disconnect', () => process.exit(0));
