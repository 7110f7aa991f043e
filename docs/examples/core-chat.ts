// A runnable example of Switchboard's provider core: stream one answer and print what it cost in tokens.
//   node esbuild.mjs --tests && SWITCHBOARD_BASE_URL=http://127.0.0.1:11434/v1 SWITCHBOARD_MODEL=llama3.2 node out/examples/core-chat.js
// Works with any provider type; set SWITCHBOARD_TYPE (default openai-compatible) and SWITCHBOARD_API_KEY.
import { ProviderError, type ProviderType } from '../../src/core';
import { createProvider } from '../../src/core/provider';

export async function main(env: NodeJS.ProcessEnv, write: (text: string) => void): Promise<number> {
  const provider = createProvider({
    type: (env.SWITCHBOARD_TYPE ?? 'openai-compatible') as ProviderType,
    baseUrl: env.SWITCHBOARD_BASE_URL,
    apiKey: env.SWITCHBOARD_API_KEY,
    timeouts: { firstByteMs: 30_000, idleMs: 30_000 },
  });
  const controller = new AbortController();
  try {
    for await (const event of provider.chat(
      {
        model: env.SWITCHBOARD_MODEL ?? 'llama3.2',
        messages: [{ role: 'user', content: 'Say hello in five words.' }],
        maxTokens: 64,
      },
      { signal: controller.signal },
    )) {
      if (event.type === 'text') write(event.text);
      if (event.type === 'usage') write(`\n[${event.usage.inputTokens} tokens in, ${event.usage.outputTokens} out]`);
      if (event.type === 'finish') write(` (${event.reason})\n`);
    }
    return 0;
  } catch (error) {
    // Every failure is a ProviderError with a kind to act on and a message without the key.
    if (error instanceof ProviderError) write(`\n${error.kind}: ${error.message}\n`);
    else throw error;
    return 1;
  }
}

if (require.main === module) {
  void main(process.env, (text) => process.stdout.write(text)).then((code) => process.exit(code));
}
