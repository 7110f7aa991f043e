// Anthropic's and Gemini's tool round trips through vscode.lm (see languageModelTools.test.ts).
import assert from 'node:assert/strict';
import { agentRoundTrip, assertRecorded, FILE_TEXT, PROMPT, READ_FILE, sse } from './languageModelToolsSupport';

type Body = Record<string, unknown>;

describe('agent tool calling through vscode.lm: Anthropic and Gemini', () => {
  it('Anthropic Messages: text then a tool_use block, the result as a tool_result block with tool_use_id; tool_choice any', async () => {
    const CALL = 'toolu_01T1x1fJ34qAmk2tNTrN7Up6';
    const BEFORE = "I'll read the file.";
    // Anthropic's stream as its streaming docs show it: `event: <type>` and its JSON.
    const frame = (data: Body & { type: string }) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
    const start = (usage: Body) =>
      frame({
        type: 'message_start',
        message: {
          id: 'msg_014p7gG3wDgGV9EUtLvnow3U',
          type: 'message',
          role: 'assistant',
          model: 'claude-sonnet-4-5-20250929',
          stop_sequence: null,
          usage,
          content: [],
          stop_reason: null,
        },
      });
    const text = (index: number, pieces: string[]) => [
      frame({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }),
      ...pieces.map((piece) =>
        frame({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } }),
      ),
      frame({ type: 'content_block_stop', index }),
    ];
    const end = (stopReason: string, outputTokens: number) => [
      frame({
        type: 'message_delta',
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage: { output_tokens: outputTokens },
      }),
      frame({ type: 'message_stop' }),
    ];
    let turn = 0;
    await agentRoundTrip(
      {
        template: 'anthropic',
        baseUrl: (origin) => origin,
        apiKey: 'sk-ant-api03-tools0123456789abcdefghijklmnopqrstuvwxyz',
        model: 'claude-sonnet-4-5',
        isChat: (request) => request.path === '/v1/messages',
        answer: (_request, res) => {
          if (turn++ === 0)
            return sse(
              res,
              [
                start({
                  input_tokens: 472,
                  cache_creation_input_tokens: 0,
                  cache_read_input_tokens: 1536,
                  output_tokens: 2,
                }),
                ...text(0, [BEFORE]),
                'event: ping\ndata: {"type": "ping"}\n\n',
                frame({
                  type: 'content_block_start',
                  index: 1,
                  content_block: { type: 'tool_use', id: CALL, name: 'read_file', input: {} },
                }),
                // The input's JSON in pieces, the first one empty.
                ...['', '{"path":', ' "src/a', '.ts"}'].map((partial) =>
                  frame({
                    type: 'content_block_delta',
                    index: 1,
                    delta: { type: 'input_json_delta', partial_json: partial },
                  }),
                ),
                frame({ type: 'content_block_stop', index: 1 }),
                ...end('tool_use', 61),
              ].join(''),
            );
          sse(
            res,
            [
              start({
                input_tokens: 540,
                cache_creation_input_tokens: 1600,
                cache_read_input_tokens: 0,
                output_tokens: 1,
              }),
              ...text(0, ['It exports ', '`a`.']),
              ...end('end_turn', 12),
            ].join(''),
          );
        },
      },
      (run) => {
        assert.equal(run.call.callId, CALL);
        assert.deepEqual([run.first.text, run.second.text], [BEFORE, 'It exports `a`.']);
        assert.equal(run.chats.length, 2);
        const tools = [{ name: 'read_file', description: READ_FILE.description, input_schema: READ_FILE.inputSchema }];
        const [first, second] = run.chats.map((chat) => chat.body);
        assert.deepEqual(first!.messages, [{ role: 'user', content: [{ type: 'text', text: PROMPT }] }]);
        assert.deepEqual([first!.tools, first!.tool_choice], [tools, { type: 'any' }]);
        assert.deepEqual(second!.messages, [
          { role: 'user', content: [{ type: 'text', text: PROMPT }] },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: BEFORE },
              { type: 'tool_use', id: CALL, name: 'read_file', input: { path: 'src/a.ts' } },
            ],
          },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: CALL, content: FILE_TEXT }] },
        ]);
        assert.deepEqual(second!.tools, tools);
        assert.equal('tool_choice' in second!, false, 'toolMode Auto sends no tool_choice');
        // Input counts cache reads and writes too; VS Code's part carries the cached reads.
        assert.deepEqual(run.first.usage, {
          prompt_tokens: 2008,
          completion_tokens: 61,
          total_tokens: 2069,
          prompt_tokens_details: { cached_tokens: 1536 },
        });
        assert.deepEqual(run.second.usage, { prompt_tokens: 2140, completion_tokens: 12, total_tokens: 2152 });
        assertRecorded(run, [
          { inputTokens: 2008, outputTokens: 61, cachedInputTokens: 1536 },
          { inputTokens: 2140, outputTokens: 12, cacheWriteInputTokens: 1600 },
        ]);
      },
    );
  });

  it('Gemini: a functionCall part (no id), the result as a functionResponse by name; toolConfig mode ANY', async () => {
    const SIGNATURE = 'CikB0e2KbwvEqAUe/Jbf3zx5lg6fKQe382RFpFzHXfaI7x59tkpEUrWQ0Qp6';
    // streamGenerateContent?alt=sse: each event a whole GenerateContentResponse.
    const event = (parts: Body[], usage: Body, finishReason?: string) =>
      `data: ${JSON.stringify({
        candidates: [{ content: { parts, role: 'model' }, ...(finishReason ? { finishReason } : {}), index: 0 }],
        usageMetadata: usage,
        modelVersion: 'gemini-2.5-flash',
        responseId: 'mAitaP2dLpGvz7IPqK2Q2Qg',
      })}\r\n\r\n`;
    let turn = 0;
    await agentRoundTrip(
      {
        template: 'gemini',
        baseUrl: (origin) => `${origin}/v1beta`,
        apiKey: 'AIzaSyD-tools0123456789abcdefghijklmnop',
        model: 'gemini-2.5-flash',
        isChat: (request) => request.path === '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
        answer: (_request, res) => {
          if (turn++ === 0)
            return sse(
              res,
              event(
                [{ functionCall: { name: 'read_file', args: { path: 'src/a.ts' } }, thoughtSignature: SIGNATURE }],
                {
                  promptTokenCount: 96,
                  candidatesTokenCount: 18,
                  totalTokenCount: 154,
                  promptTokensDetails: [{ modality: 'TEXT', tokenCount: 96 }],
                  thoughtsTokenCount: 40,
                },
                'STOP',
              ),
            );
          sse(
            res,
            event([{ text: 'It exports ' }], { promptTokenCount: 131, candidatesTokenCount: 3, totalTokenCount: 134 }) +
              event(
                [{ text: '`a`.' }],
                {
                  promptTokenCount: 131,
                  candidatesTokenCount: 7,
                  totalTokenCount: 138,
                  promptTokensDetails: [{ modality: 'TEXT', tokenCount: 131 }],
                },
                'STOP',
              ),
          );
        },
      },
      (run) => {
        // Gemini sent no id: VS Code gets one made up here, which never goes back to Gemini.
        assert.match(run.call.callId, /^call_[0-9a-f-]{36}$/);
        assert.equal(run.second.text, 'It exports `a`.');
        assert.equal(run.chats.length, 2);
        const tools = [
          {
            functionDeclarations: [
              { name: 'read_file', description: READ_FILE.description, parametersJsonSchema: READ_FILE.inputSchema },
            ],
          },
        ];
        const [first, second] = run.chats.map((chat) => chat.body);
        assert.deepEqual(first!.contents, [{ role: 'user', parts: [{ text: PROMPT }] }]);
        assert.deepEqual([first!.tools, first!.toolConfig], [tools, { functionCallingConfig: { mode: 'ANY' } }]);
        assert.deepEqual(second!.contents, [
          { role: 'user', parts: [{ text: PROMPT }] },
          {
            role: 'model',
            parts: [{ functionCall: { name: 'read_file', args: { path: 'src/a.ts' } }, thoughtSignature: SIGNATURE }],
          },
          { role: 'user', parts: [{ functionResponse: { name: 'read_file', response: { content: FILE_TEXT } } }] },
        ]);
        assert.deepEqual(second!.tools, tools);
        assert.equal('toolConfig' in second!, false, 'toolMode Auto sends no toolConfig');
        // Thoughts count as output (Gemini counts them apart from the candidates).
        assert.deepEqual(run.first.usage, {
          prompt_tokens: 96,
          completion_tokens: 58,
          total_tokens: 154,
          completion_tokens_details: { reasoning_tokens: 40 },
        });
        assert.deepEqual(run.second.usage, { prompt_tokens: 131, completion_tokens: 7, total_tokens: 138 });
        assertRecorded(run, [
          { inputTokens: 96, outputTokens: 58, reasoningTokens: 40 },
          { inputTokens: 131, outputTokens: 7 },
        ]);
      },
    );
  });
});
