import assert from 'node:assert/strict';
import { Redactor } from '../../src/core';
import { AuditLog } from '../../src/core/registry/audit';
import { KeyStore } from '../../src/core/registry/keys';
import { resolveDeclared } from '../../src/core/registry/portable';
import { Registry } from '../../src/core/registry/registry';
import { RegistryStore } from '../../src/core/registry/store';
import { inferTemplate, isLocalProvider } from '../../src/core/registry/templateOf';
import { MemoryKeyValueStore, MemorySecretStore } from '../support/memoryStores';

function registry(): Registry {
  const kv = new MemoryKeyValueStore();
  return new Registry({
    store: new RegistryStore(kv, () => undefined),
    keys: new KeyStore(new MemorySecretStore(), new Redactor(), () => Promise.resolve(undefined), kv),
    audit: new AuditLog(kv),
    fetch: globalThis.fetch,
  });
}

describe('a provider declared without a template', () => {
  it('is taken for the template its type and address name, never a local one from a loopback address', () => {
    const of = (type: Parameters<typeof inferTemplate>[0], url: string) => inferTemplate(type, url)?.id;
    assert.equal(of('ollama', 'http://127.0.0.1:11434'), 'ollama');
    assert.equal(of('ollama', 'http://gpu-box.lan:11434'), 'ollama', "a self-hosted Ollama is Ollama's");
    assert.equal(of('ollama', 'https://ollama.com'), undefined, 'Ollama Cloud is billed: not the local template');
    assert.equal(of('openai-compatible', 'https://api.deepseek.com/v1'), 'deepseek');
    assert.equal(of('openai-compatible', 'https://API.GROQ.com/openai/v1'), 'groq');
    assert.equal(of('anthropic', 'https://gateway.example.test/anthropic'), 'anthropic');
    assert.equal(of('gemini', 'https://generativelanguage.googleapis.com'), 'gemini');
    assert.equal(of('azure-openai', 'https://myres.openai.azure.com'), 'azure-openai');
    assert.equal(of('openai-compatible', 'http://127.0.0.1:4000'), 'litellm', 'a paid gateway: not local');
    // LM Studio's port on loopback says nothing: a keyless endpoint there may be a gateway to paid models.
    assert.equal(of('openai-compatible', 'http://127.0.0.1:1234/v1'), undefined);
    assert.equal(of('openai-compatible', 'http://127.0.0.1:9999/v1'), undefined);
    assert.equal(of('openai-compatible', 'not a url'), undefined);
  });

  it("settings' entries get it (a template they name wins); local and free only from a template or the user's mark", () => {
    const resolved = resolveDeclared(
      [
        { id: 'ollama-box', type: 'ollama', baseUrl: 'http://127.0.0.1:11434' },
        { id: 'gateway', type: 'openai-compatible', baseUrl: 'http://127.0.0.1:8123/v1' },
        { id: 'marked', type: 'openai-compatible', baseUrl: 'http://127.0.0.1:8123/v1', local: true },
        { id: 'named', template: 'custom', type: 'openai-compatible', baseUrl: 'https://api.deepseek.com' },
        { id: 'unmarked-ollama', type: 'ollama', baseUrl: 'http://127.0.0.1:11434', local: false },
      ],
      'settings',
    );
    assert.ok(resolved.ok);
    assert.deepEqual(
      resolved.value.map((entry) => [entry.id, entry.template, isLocalProvider(entry)]),
      [
        ['ollama-box', 'ollama', true],
        ['gateway', undefined, false],
        ['marked', undefined, true],
        ['named', 'custom', false],
        ['unmarked-ollama', 'ollama', false],
      ],
    );
  });

  it('prices a declared Ollama model as local (free), a keyless loopback gateway as unknown, a marked one as local', async () => {
    const subject = registry();
    const resolved = resolveDeclared(
      [
        { id: 'ollama-box', type: 'ollama', baseUrl: 'http://127.0.0.1:11434' },
        { id: 'gateway', type: 'openai-compatible', baseUrl: 'http://127.0.0.1:8123/v1' },
        { id: 'marked', type: 'openai-compatible', baseUrl: 'http://127.0.0.1:8123/v1', local: true },
        { id: 'deepseek-team', type: 'openai-compatible', baseUrl: 'https://api.deepseek.com' },
      ],
      'settings',
    );
    assert.ok(resolved.ok);
    subject.setDeclared({ settings: resolved.value, workspace: [] });
    const source = async (id: string, model: string) => (await subject.modelFacts(id, model)).price.source;
    assert.equal(await source('ollama-box', 'llama3.2:3b'), 'local');
    assert.equal(await source('gateway', 'house-model'), 'unknown');
    assert.equal(await source('marked', 'house-model'), 'local');
    assert.equal(await source('deepseek-team', 'deepseek-chat'), 'catalog', "DeepSeek's catalog prices");
  });

  it('an imported entry without a template is taken for the one its address names', async () => {
    const subject = registry();
    await subject.importEntries(
      [
        {
          id: 'imported',
          name: 'Imported',
          type: 'openai-compatible',
          baseUrl: 'https://api.mistral.ai/v1',
          enabled: true,
          models: [],
          createdAt: 0,
          updatedAt: 0,
        },
      ],
      false,
    );
    assert.equal(subject.get('imported')?.template, 'mistral');
  });
});
