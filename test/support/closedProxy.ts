// A proxy on 127.0.0.1 that forwards nothing: it records the host of every request it is asked to
// carry (HTTP CONNECT tunnels and plain forward requests) and refuses it. Pointing a host's proxy
// settings at it shows what the host tried to reach, and keeps it from reaching anything.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ProxyAttempt {
  /** `CONNECT` for a tunnel (HTTPS, WebSockets), else the forwarded request's method. */
  method: string;
  host: string;
  port: number;
  /** The target as the client named it: `host:port` for CONNECT, the absolute URL otherwise. */
  target: string;
}

export interface ClosedProxy {
  /** `http://127.0.0.1:PORT` */
  url: string;
  attempts: ProxyAttempt[];
  close(): Promise<void>;
}

/** Hosts that are this machine's loopback interface. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

function splitHostPort(target: string, defaultPort: number): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(target);
  return match ? { host: match[1]!, port: Number(match[2] ?? defaultPort) } : { host: target, port: defaultPort };
}

export async function startClosedProxy(): Promise<ClosedProxy> {
  const attempts: ProxyAttempt[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    const target = request.url ?? '';
    let host = request.headers.host ?? '';
    let port = 80;
    try {
      const url = new URL(target);
      host = url.hostname;
      port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    } catch {
      ({ host, port } = splitHostPort(host, 80));
    }
    attempts.push({ method: request.method ?? 'GET', host, port, target });
    response.writeHead(403, { 'content-type': 'text/plain', connection: 'close' });
    response.end('refused by the test proxy\n');
  });
  server.on('connect', (request, socket: Socket) => {
    const target = request.url ?? '';
    attempts.push({ method: 'CONNECT', ...splitHostPort(target, 443), target });
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    attempts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
