// An agent's tool round trip through vscode.lm, one family per test: each loopback server speaks its
// provider's documented streaming format (the same shapes the adapters' unit tests replay, see
// test/fixtures/*Wire.ts) and the test checks the call, the result's shape on the wire, toolMode
// Required in the provider's own form, the usage part and the recorded, priced requests.
import assert from 'node:assert/strict';
import {
  agentRoundTrip,
  assertRecorded,
  FILE_TEXT,
  PROMPT,
  READ_FILE,
  sse,
  type WireRequest,
} from './languageModelToolsSupport';

type Body = Record<string, unknown>;
const omit = (body: Body, ...keys: string[]) =>
  Object.fromEntries(Object.entries(body).filter(([key]) => !keys.includes(key)));

// OpenAI's Chat Completions envelope (gpt-4.1 capture, as in test/fixtures/openaiWire.ts).
const chatChunk = (choice: Body | null, extra: Body = {}) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-BwoiPTGRbKkY5rncfaM0s9KtWrq5N',
    object: 'chat.completion.chunk',
    created: 1753357673,
    model: 'gpt-4.1-2025-04-14',
    service_tier: 'default',
    system_fingerprint: 'fp_51e1070cf2',
    choices: choice === null ? [] : [{ index: 0, logprobs: null, finish_reason: null, ...choice }],
    usage: null,
    ...extra,
  })}\n\n`;
const chatText = (pieces: string[]) => [
  chatChunk({ delta: { role: 'assistant', content: '', refusal: null } }),
  ...pieces.map((content) => chatChunk({ delta: { content } })),
];

/** Chat Completions' request for a tool round trip, as every OpenAI-shaped family must send it. */
function assertChatCompletionsTurns(chats: WireRequest[], callId: string) {
  const tools = [
    {
      type: 'function',
      function: { name: 'read_file', description: READ_FILE.description, parameters: READ_FILE.inputSchema },
    },
  ];
  assert.deepEqual(chats[0]!.body.messages, [{ role: 'user', content: PROMPT }]);
  assert.deepEqual([chats[0]!.body.tools, chats[0]!.body.tool_choice], [tools, 'required']);
  assert.deepEqual(chats[1]!.body.messages, [
    { role: 'user', content: PROMPT },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: callId, type: 'function', function: { name: 'read_file', arguments: '{"path":"src/a.ts"}' } }],
    },
    { role: 'tool', tool_call_id: callId, content: FILE_TEXT },
  ]);
  assert.deepEqual(chats[1]!.body.tools, tools);
  assert.equal('tool_choice' in chats[1]!.body, false, 'toolMode Auto sends no tool_choice');
}

describe('agent tool calling through vscode.lm, every family', () => {
  it('OpenAI Chat Completions: a streamed tool_calls delta, the result as role "tool" with tool_call_id', async () => {
    const CALL = 'call_PieqNSej6kM9hgYbcQdbZSaC';
    let turn = 0;
    await agentRoundTrip(
      {
        template: 'openai',
        baseUrl: (origin) => `${origin}/v1`,
        apiKey: 'sk-proj-tools0123456789abcdef',
        model: 'gpt-4.1',
        isChat: (request) => request.path === '/v1/chat/completions',
        answer: (_request, res) => {
          if (turn++ === 0)
            return sse(
              res,
              [
                chatChunk({
                  delta: {
                    role: 'assistant',
                    content: null,
                    tool_calls: [
                      { index: 0, id: CALL, type: 'function', function: { name: 'read_file', arguments: '' } },
                    ],
                    refusal: null,
                  },
                }),
                // The arguments split mid-token, as OpenAI streams them.
                ...['{"pa', 'th":"s', 'rc/a.', 'ts"}'].map((piece) =>
                  chatChunk({ delta: { tool_calls: [{ index: 0, function: { arguments: piece } }] } }),
                ),
                chatChunk({ delta: {}, finish_reason: 'tool_calls' }),
                chatChunk(null, {
                  usage: {
                    prompt_tokens: 82,
                    completion_tokens: 17,
                    total_tokens: 99,
                    prompt_tokens_details: { cached_tokens: 64, audio_tokens: 0 },
                    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
                  },
                }),
                'data: [DONE]\n\n',
              ].join(''),
            );
          sse(
            res,
            [
              ...chatText(['It exports ', '`a`, set to 1.']),
              chatChunk({ delta: {}, finish_reason: 'stop' }),
              chatChunk(null, {
                usage: {
                  prompt_tokens: 131,
                  completion_tokens: 9,
                  total_tokens: 140,
                  prompt_tokens_details: { cached_tokens: 0 },
                },
              }),
              'data: [DONE]\n\n',
            ].join(''),
          );
        },
      },
      (run) => {
        assert.equal(run.call.callId, CALL);
        assert.deepEqual([run.first.text, run.second.text], ['', 'It exports `a`, set to 1.']);
        assertChatCompletionsTurns(run.chats, CALL);
        assert.equal(run.chats.length, 2);
        assert.deepEqual(run.first.usage, {
          prompt_tokens: 82,
          completion_tokens: 17,
          total_tokens: 99,
          prompt_tokens_details: { cached_tokens: 64 },
        });
        assert.deepEqual(run.second.usage, { prompt_tokens: 131, completion_tokens: 9, total_tokens: 140 });
        assertRecorded(run, [
          { inputTokens: 82, outputTokens: 17, cachedInputTokens: 64 },
          { inputTokens: 131, outputTokens: 9 },
        ]);
      },
    );
  });

  it('an OpenAI-compatible preset (Groq): the whole call in one delta, usage in x_groq on the finish chunk', async () => {
    const CALL = 'call_3h8x';
    let turn = 0;
    const groqChunk = (choice: Body, usage?: Body) =>
      chatChunk(choice, {
        id: 'chatcmpl-0b3c0a51-4f2e-4bf4-8d53-0a6e1bd6d4a3',
        model: 'llama-3.3-70b-versatile',
        system_fingerprint: 'fp_3f3b593e33',
        ...(usage ? { x_groq: { id: 'req_01jadadp0femyae9kav1gpkhe8', usage } } : {}),
      });
    await agentRoundTrip(
      {
        template: 'groq',
        baseUrl: (origin) => `${origin}/openai/v1`,
        apiKey: 'gsk_tools0123456789abcdefghijklmnopqrstuvwxyzABCD',
        model: 'llama-3.3-70b-versatile',
        isChat: (request) => request.path === '/openai/v1/chat/completions',
        answer: (_request, res) => {
          if (turn++ === 0)
            return sse(
              res,
              [
                groqChunk({ delta: { role: 'assistant', content: null } }),
                groqChunk({
                  delta: {
                    tool_calls: [
                      {
                        id: CALL,
                        type: 'function',
                        function: { name: 'read_file', arguments: '{"path":"src/a.ts"}' },
                        index: 0,
                      },
                    ],
                  },
                }),
                groqChunk(
                  { delta: {}, finish_reason: 'tool_calls' },
                  {
                    queue_time: 0.05,
                    prompt_tokens: 301,
                    prompt_time: 0.01,
                    completion_tokens: 24,
                    completion_time: 0.04,
                    total_tokens: 325,
                    total_time: 0.05,
                  },
                ),
                'data: [DONE]\n\n',
              ].join(''),
            );
          sse(
            res,
            [
              groqChunk({ delta: { role: 'assistant', content: '' } }),
              groqChunk({ delta: { content: 'It exports a.' } }),
              groqChunk(
                { delta: {}, finish_reason: 'stop' },
                {
                  queue_time: 0.05,
                  prompt_tokens: 347,
                  prompt_time: 0.01,
                  completion_tokens: 5,
                  completion_time: 0.01,
                  total_tokens: 352,
                  total_time: 0.02,
                },
              ),
              'data: [DONE]\n\n',
            ].join(''),
          );
        },
      },
      (run) => {
        assert.equal(run.call.callId, CALL);
        assert.equal(run.second.text, 'It exports a.');
        assertChatCompletionsTurns(run.chats, CALL);
        assert.equal(run.chats.length, 2);
        assert.deepEqual(run.first.usage, { prompt_tokens: 301, completion_tokens: 24, total_tokens: 325 });
        assert.deepEqual(run.second.usage, { prompt_tokens: 347, completion_tokens: 5, total_tokens: 352 });
        assertRecorded(run, [
          { inputTokens: 301, outputTokens: 24 },
          { inputTokens: 347, outputTokens: 5 },
        ]);
      },
    );
  });
  it('Ollama native: a whole tool call in an NDJSON line, the result as role "tool" with tool_name; no toolMode to send', async () => {
    let turn = 0;
    const line = (value: Body) => `${JSON.stringify(value)}\n`;
    const done = (prompt: number, output: number) =>
      line({
        model: 'qwen3:8b',
        created_at: '2025-05-27T22:54:58.3Z',
        message: { role: 'assistant', content: '' },
        done: true,
        done_reason: 'stop',
        total_duration: 885095291,
        load_duration: 3753500,
        prompt_eval_count: prompt,
        prompt_eval_duration: 328493000,
        eval_count: output,
        eval_duration: 552222000,
      });
    await agentRoundTrip(
      {
        template: 'ollama',
        baseUrl: (origin) => origin,
        model: 'qwen3:8b',
        isChat: (request) => request.path === '/api/chat',
        answer: (request, res) => {
          if (request.path !== '/api/chat') {
            res.writeHead(404).end();
            return;
          }
          res.writeHead(200, { 'content-type': 'application/x-ndjson' });
          if (turn++ === 0)
            // As ollama.com/blog/streaming-tool shows it: the call whole, arguments an object, no id.
            return res.end(
              line({
                model: 'qwen3:8b',
                created_at: '2025-05-27T22:54:58.100509Z',
                message: {
                  role: 'assistant',
                  content: '',
                  tool_calls: [{ function: { name: 'read_file', arguments: { path: 'src/a.ts' } } }],
                },
                done: false,
              }) + done(187, 21),
            );
          res.end(
            ['It exports ', '`a`.']
              .map((content) =>
                line({
                  model: 'qwen3:8b',
                  created_at: '2025-05-27T22:55:01Z',
                  message: { role: 'assistant', content },
                  done: false,
                }),
              )
              .join('') + done(226, 8),
          );
        },
      },
      (run) => {
        // Ollama sent no id: VS Code gets one made up here.
        assert.match(run.call.callId, /^call_[0-9a-f-]{36}$/);
        assert.equal(run.second.text, 'It exports `a`.');
        assert.equal(run.chats.length, 2);
        const tools = [
          {
            type: 'function',
            function: { name: 'read_file', description: READ_FILE.description, parameters: READ_FILE.inputSchema },
          },
        ];
        // Ollama has no tool_choice: the first request is the second's shape, nothing added for Required.
        assert.deepEqual(run.chats[0]!.body, {
          model: 'qwen3:8b',
          messages: [{ role: 'user', content: PROMPT }],
          stream: true,
          tools,
        });
        assert.deepEqual(omit(run.chats[1]!.body, 'messages'), { model: 'qwen3:8b', stream: true, tools });
        // Ollama pairs a result with its call by tool_name. The id made up for VS Code goes back on both the call
        // and its result (Gemini's adapter drops it): the pair stays consistent, and Ollama checks no ids.
        assert.deepEqual(run.chats[1]!.body.messages, [
          { role: 'user', content: PROMPT },
          {
            role: 'assistant',
            content: '',
            tool_calls: [{ id: run.call.callId, function: { name: 'read_file', arguments: { path: 'src/a.ts' } } }],
          },
          { role: 'tool', content: FILE_TEXT, tool_name: 'read_file', tool_call_id: run.call.callId },
        ]);
        assert.deepEqual(run.first.usage, { prompt_tokens: 187, completion_tokens: 21, total_tokens: 208 });
        assert.deepEqual(run.second.usage, { prompt_tokens: 226, completion_tokens: 8, total_tokens: 234 });
        assertRecorded(
          run,
          [
            { inputTokens: 187, outputTokens: 21 },
            { inputTokens: 226, outputTokens: 8 },
          ],
          true,
        );
      },
    );
  });
});
