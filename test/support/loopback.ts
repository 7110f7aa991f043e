// HTTP servers on 127.0.0.1 that speak a provider's wire format, for tests and benchmarks.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Handler = (request: RecordedRequest, response: ServerResponse, index: number) => void | Promise<void>;

export interface LoopbackServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  requests: RecordedRequest[];
  /**
   * Open sockets that carried a request. (After an aborted request undici at once opens a fresh,
   * idle pool connection; that one carries nothing and is not counted.)
   */
  openSockets(): number;
  /** Resolves once every socket that carried a request has closed (or rejects after `ms`). */
  socketsClosed(ms?: number): Promise<void>;
  /** Responses begun and not yet ended or abandoned by the client: requests still in flight. */
  inFlight(): number;
  close(): Promise<void>;
}

export async function startLoopback(handler: Handler): Promise<LoopbackServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const busySockets = new Set<Socket>();
  let inFlight = 0;
  const server = createServer((incoming, response) => {
    busySockets.add(incoming.socket);
    inFlight++;
    response.once('close', () => inFlight--);
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const request = {
        method: incoming.method ?? 'GET',
        path: incoming.url ?? '/',
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      Promise.resolve(handler(request, response, requests.length - 1)).catch((error: unknown) => {
        response.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      busySockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    openSockets: () => busySockets.size,
    inFlight: () => inFlight,
    async socketsClosed(ms = 2_000) {
      const deadline = Date.now() + ms;
      while (busySockets.size > 0) {
        if (Date.now() > deadline) throw new Error(`${busySockets.size} request socket(s) still open after ${ms} ms`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export function json(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(text);
}

export interface SseOptions {
  status?: number;
  headers?: Record<string, string>;
  /** Split the bytes into pieces of this size (1 = a byte at a time), each written separately. */
  pieceBytes?: number;
  /** Leave the connection open after the last piece (for idle-timeout tests). */
  hang?: boolean;
  /** Cut the connection after the last piece instead of ending the response. */
  cut?: boolean;
}

/** Writes a raw SSE body, optionally a few bytes at a time (multi-byte characters get split). */
export async function sse(response: ServerResponse, body: string, options: SseOptions = {}): Promise<void> {
  response.writeHead(options.status ?? 200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    ...options.headers,
  });
  const bytes = Buffer.from(body, 'utf8');
  const size = options.pieceBytes ?? bytes.length;
  for (let offset = 0; offset < bytes.length; offset += size) {
    const piece = bytes.subarray(offset, offset + size);
    // Waiting for the drain of each piece makes the client see them as separate reads.
    await new Promise<void>((resolve) => response.write(piece, () => resolve()));
    if (size < bytes.length) await new Promise((resolve) => setImmediate(resolve));
  }
  if (options.cut) response.socket?.destroy();
  else if (!options.hang) response.end();
}

/** SSE `data:` events, each followed by a blank line. */
export function dataEvents(payloads: Array<unknown>): string {
  return payloads
    .map((payload) => `data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`)
    .join('');
}
