// A provider signed by the user's own certificate authority, in the real extension host: the CA
// bundle is read from its path and trusted on top of the system's roots (an undici Agent loaded from
// dist/vendor on first use), and without it the request fails as a certificate problem. The panel's
// Choose File… asks VS Code's file picker for the bundle (answered here) and checks it is one.
import assert from 'node:assert/strict';
import type { HostToWebview } from '../../src/shared/protocol';
import { selfSignedServer, type SelfSignedServer } from '../support/selfSigned';
import { openAiStream, testingApi } from './support';

describe('a CA bundle for a self-hosted endpoint, in the extension host', () => {
  let tls: SelfSignedServer;
  let url: string;

  before(async () => {
    tls = await selfSignedServer((req, res) => {
      req.resume();
      req.on('end', () => openAiStream(res, ['Hi'], { prompt_tokens: 5, completion_tokens: 1 }));
    });
    url = `${tls.url}/v1`;
  });

  after(() => tls.close());

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
      await registry.update(entry.id, { caBundlePath: tls.certPath });
      assert.equal(await ask(), 'Hi');
    } finally {
      await registry.remove(entry.id);
    }
  });

  it("Choose File… in Provider Settings: VS Code's file picker gives the path, checked to hold a certificate, then saved", async () => {
    const { registry, dialogs, panelController, cost } = await testingApi();
    const entry = await registry.add({ template: 'custom', name: 'Picked CA', baseUrl: url });
    const posts: HostToWebview[] = [];
    const controller = await panelController((message) => {
      posts.push(message);
      return Promise.resolve(true);
    });
    let id = 0;
    /** Sends one request as the panel does; its reply's result, or its error's text. */
    const send = async (name: string, params: unknown) => {
      const mine = ++id;
      await controller.receive({ type: 'request', id: mine, name, params });
      const answer = posts.find((message) => 'id' in message && message.id === mine && message.type !== 'stage');
      if (answer?.type === 'error') return { error: answer.error };
      assert.equal(answer?.type, 'reply');
      return { result: answer.type === 'reply' ? answer.result : undefined };
    };
    /** Choose File… with the picker answered `reply` (a path, or undefined to cancel). */
    const choose = async (reply: string | undefined) => {
      const answer = dialogs.answer(/^Use as CA Bundle$/, reply);
      try {
        return await send('chooseCaBundle', { providerId: entry.id });
      } finally {
        answer.dispose();
      }
    };
    try {
      await controller.receive({ type: 'ready' });
      const cert = tls.certPath;
      assert.deepEqual(await choose(cert), { result: cert });
      const opened = dialogs.opened.at(-1);
      assert.equal(opened?.title, 'CA bundle for Picked CA');
      assert.equal(opened?.canSelectFolders, false);
      assert.deepEqual(opened?.filters?.['PEM certificates'], ['pem', 'crt', 'cer']);
      assert.deepEqual(await choose(undefined), { result: null }, 'cancelled: the field keeps what it had');
      // A private key is PEM too, but no certificate: refused with the file named.
      const refused = await choose(tls.keyPath);
      assert.match(refused.error ?? '', /CA bundle: .*key\.pem holds no PEM certificate/);
      assert.equal(registry.get(entry.id)?.caBundlePath, undefined, 'choosing saves nothing');

      // Saved with the form, the bundle is used on the next request.
      const saved = await send('saveProviderSettings', {
        providerId: entry.id,
        headers: [],
        sampling: {},
        timeouts: {},
        caBundlePath: cert,
      });
      assert.deepEqual(saved, { result: null });
      assert.equal(registry.get(entry.id)?.caBundlePath, cert);
      const texts: string[] = [];
      for await (const event of cost
        .meteredProvider(entry.id, 'chat')
        .chat({ model: 'house-model', messages: [{ role: 'user', content: 'Say hi' }] }))
        if (event.type === 'text') texts.push(event.text);
      assert.equal(texts.join(''), 'Hi');
    } finally {
      controller.dispose();
      await registry.remove(entry.id);
    }
  });
});
