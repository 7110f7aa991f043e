// The benchmark's provider: a loopback server in its own process streaming N OpenAI-format deltas
// as fast as the socket takes them. Prints its URL on stdout.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

// A real chunk envelope (gpt-4.1), so parsing costs what it costs against OpenAI.
const delta = (text: string) =>
  `data: {"id":"chatcmpl-BwoiPTGRbKkY5rncfaM0s9KtWrq5N","object":"chat.completion.chunk","created":1753357673,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_51e1070cf2","choices":[{"index":0,"delta":{"content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}],"usage":null}\n\n`;
const tail =
  'data: {"id":"chatcmpl-BwoiPTGRbKkY5rncfaM0s9KtWrq5N","object":"chat.completion.chunk","created":1753357673,"model":"gpt-4.1-2025-04-14","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}\n\n' +
  'data: {"id":"chatcmpl-BwoiPTGRbKkY5rncfaM0s9KtWrq5N","object":"chat.completion.chunk","created":1753357673,"model":"gpt-4.1-2025-04-14","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":1,"total_tokens":13}}\n\n' +
  'data: [DONE]\n\n';
// 64 deltas a write: about 16 KB, the size of a TLS record's worth of a fast stream.
const BATCH = 64;
const batch = Buffer.from(Array.from({ length: BATCH }, (_, i) => delta(` tok${i % 10}`)).join(''));

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    const count = Number(new URL(request.url ?? '/', 'http://x').searchParams.get('n') ?? '1000');
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    let sent = 0;
    const pump = () => {
      while (sent < count) {
        const take = Math.min(BATCH, count - sent);
        const piece = take === BATCH ? batch : Buffer.from(Array.from({ length: take }, (_, i) => delta(` tok${i % 10}`)).join(''));
        sent += take;
        if (!response.write(piece)) return void response.once('drain', pump);
      }
      response.end(tail);
    };
    pump();
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('disconnect', () => process.exit(0));
