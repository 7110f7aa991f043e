// An https server on 127.0.0.1 signed by a certificate made for the test (openssl, which the test
// host set-up installs): for the tests of custom CA bundles and TLS failures.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SelfSignedServer {
  /** `https://127.0.0.1:PORT` */
  url: string;
  /** The PEM file of the certificate (what a user would give as the CA bundle), and its text. */
  certPath: string;
  cert: string;
  /** The private key's PEM file: a file that is not a certificate. */
  keyPath: string;
  close(): Promise<void>;
}

export async function selfSignedServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<SelfSignedServer> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-tls-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '1'].concat([
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]),
    { stdio: 'ignore' },
  );
  const cert = readFileSync(certPath, 'utf8');
  const server = createServer({ key: readFileSync(keyPath), cert }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    certPath,
    cert,
    keyPath,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
