// A provider signed by the user's own certificate authority, in the real extension host: the CA
// bundle is read from its path and trusted on top of the system's roots (an undici Agent loaded from
// dist/vendor on first use), and without it the request fails as a certificate problem.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAiStream, testingApi } from './support';

describe('a CA bundle for a self-hosted endpoint, in the extension host', () => {
  let dir: string;
  let server: Server;
  let url: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-ca-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ].concat(['-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']),
      { stdio: 'ignore' },
    );
    server = createServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (req, res) => {
        req.resume();
        req.on('end', () => openAiStream(res, ['Hi'], { prompt_tokens: 5, completion_tokens: 1 }));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('is trusted through the provider’s CA bundle path, and only then', async () => {
    const { registry, cost } = await testingApi();
    const entry = await registry.add({ template: 'custom', name: 'Self-signed', baseUrl: url });
    try {
      const ask = async () => {
        const texts: string[] = [];
        for await (const event of cost
          .meteredProvider(entry.id, 'chat')
          .chat({ model: 'house-model', messages: [{ role: 'user', content: 'Say hi' }] }))
          if (event.type === 'text') texts.push(event.text);
        return texts.join('');
      };
      await assert.rejects(ask(), (error: { kind?: string; message?: string }) => {
        assert.equal(error.kind, 'network', error.message);
        return true;
      });
      await registry.update(entry.id, { caBundlePath: join(dir, 'cert.pem') });
      assert.equal(await ask(), 'Hi');
    } finally {
      await registry.remove(entry.id);
    }
  });
});
