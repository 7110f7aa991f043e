// The OpenAI Responses API's tool round trip through vscode.lm (see languageModelTools.test.ts).
import assert from 'node:assert/strict';
import { agentRoundTrip, assertRecorded, FILE_TEXT, PROMPT, READ_FILE, sse } from './languageModelToolsSupport';

type Body = Record<string, unknown>;

describe('agent tool calling through vscode.lm: OpenAI Responses API', () => {
  it('OpenAI Responses API (a Responses-only model): a function_call item, the result as function_call_output with call_id; its reasoning goes back', async () => {
    const CALL = 'call_7VaiUXZYuuuwWwviCrckxq6t';
    const FC = 'fc_0c3fb28cfcf463a500695fa2f0b0a881a0890103ba88b0628e';
    const RS = 'rs_0e172b76542a9100016964f7e6c200819190235d871bc889a0';
    const MSG = 'msg_0e172b76542a9100016964f7e72ac4819194f4af4dffe5b676';
    const ENCRYPTED = 'gAAAAABpZPfnHaDoFAplBW0lmoPKADk06bztA5H9Pk6CEmeOLBtKMOG0x';
    const SUMMARY = '**Reading the file**';
    let sequence = 0;
    // The Responses stream: `event: <type>` and its JSON, every event numbered.
    const frame = (data: Body & { type: string }) =>
      `event: ${data.type}\ndata: ${JSON.stringify({ ...data, sequence_number: sequence++ })}\n\n`;
    const response = (status: string, extra: Body = {}) => ({
      id: 'resp_0f9c4b2f224d858000695fa062bf048197a680f357bbb09000',
      object: 'response',
      created_at: 1767874658,
      status,
      error: null,
      incomplete_details: null,
      model: 'gpt-5-codex',
      output: [],
      store: false,
      usage: null,
      ...extra,
    });
    const reasoning = {
      id: RS,
      type: 'reasoning',
      encrypted_content: ENCRYPTED,
      summary: [{ type: 'summary_text', text: SUMMARY }],
    };
    const ARGS = '{"path":"src/a.ts"}';
    const callItem = {
      id: FC,
      type: 'function_call',
      status: 'completed',
      arguments: ARGS,
      call_id: CALL,
      name: 'read_file',
    };
    const TEXT = 'It exports `a`.';
    const message = {
      id: MSG,
      type: 'message',
      status: 'completed',
      content: [{ type: 'output_text', annotations: [], logprobs: [], text: TEXT }],
      role: 'assistant',
    };
    let turn = 0;
    await agentRoundTrip(
      {
        template: 'openai',
        baseUrl: (origin) => `${origin}/v1`,
        apiKey: 'sk-proj-responses0123456789abcdef',
        model: 'gpt-5-codex',
        overrides: { reasoningEffort: 'low' },
        isChat: (request) => request.path === '/v1/responses',
        answer: (request, res) => {
          if (request.path === '/v1/chat/completions') {
            // What Chat Completions answers for a model served only by the Responses API.
            res.writeHead(400, { 'content-type': 'application/json' });
            res.end(
              JSON.stringify({
                error: {
                  message: 'This model is only supported in v1/responses and not in v1/chat/completions.',
                  type: 'invalid_request_error',
                  param: 'model',
                  code: 'unsupported_api_for_model',
                },
              }),
            );
            return;
          }
          sequence = 0;
          if (turn++ === 0)
            return sse(
              res,
              [
                frame({ type: 'response.created', response: response('in_progress') }),
                frame({ type: 'response.in_progress', response: response('in_progress') }),
                frame({
                  type: 'response.output_item.added',
                  item: { id: RS, type: 'reasoning', summary: [] },
                  output_index: 0,
                }),
                frame({
                  type: 'response.reasoning_summary_part.added',
                  item_id: RS,
                  output_index: 0,
                  part: { type: 'summary_text', text: '' },
                  summary_index: 0,
                }),
                frame({
                  type: 'response.reasoning_summary_text.delta',
                  delta: SUMMARY,
                  item_id: RS,
                  obfuscation: 'OoWf9',
                  output_index: 0,
                  summary_index: 0,
                }),
                frame({
                  type: 'response.reasoning_summary_text.done',
                  item_id: RS,
                  output_index: 0,
                  summary_index: 0,
                  text: SUMMARY,
                }),
                frame({ type: 'response.output_item.done', item: reasoning, output_index: 0 }),
                frame({
                  type: 'response.output_item.added',
                  item: {
                    id: FC,
                    type: 'function_call',
                    status: 'in_progress',
                    arguments: '',
                    call_id: CALL,
                    name: 'read_file',
                  },
                  output_index: 1,
                }),
                ...['{"path', '":"src/', 'a.ts"}'].map((delta) =>
                  frame({
                    type: 'response.function_call_arguments.delta',
                    delta,
                    item_id: FC,
                    obfuscation: 'gWZHP8i4lSgQYT',
                    output_index: 1,
                  }),
                ),
                frame({ type: 'response.function_call_arguments.done', arguments: ARGS, item_id: FC, output_index: 1 }),
                frame({ type: 'response.output_item.done', item: callItem, output_index: 1 }),
                frame({
                  type: 'response.completed',
                  response: response('completed', {
                    output: [reasoning, callItem],
                    usage: {
                      input_tokens: 2130,
                      input_tokens_details: { cached_tokens: 1920 },
                      output_tokens: 86,
                      output_tokens_details: { reasoning_tokens: 64 },
                      total_tokens: 2216,
                    },
                  }),
                }),
              ].join(''),
            );
          sse(
            res,
            [
              frame({ type: 'response.created', response: response('in_progress') }),
              frame({
                type: 'response.output_item.added',
                item: { ...message, status: 'in_progress', content: [] },
                output_index: 0,
              }),
              ...['It exports ', '`a`.'].map((delta) =>
                frame({
                  type: 'response.output_text.delta',
                  content_index: 0,
                  delta,
                  item_id: MSG,
                  logprobs: [],
                  obfuscation: 'N16SG5UiLncOU',
                  output_index: 0,
                }),
              ),
              frame({
                type: 'response.output_text.done',
                content_index: 0,
                item_id: MSG,
                logprobs: [],
                output_index: 0,
                text: TEXT,
              }),
              frame({ type: 'response.output_item.done', item: message, output_index: 0 }),
              frame({
                type: 'response.completed',
                response: response('completed', {
                  output: [message],
                  usage: {
                    input_tokens: 2290,
                    input_tokens_details: { cached_tokens: 0 },
                    output_tokens: 12,
                    output_tokens_details: { reasoning_tokens: 0 },
                    total_tokens: 2302,
                  },
                }),
              }),
            ].join(''),
          );
        },
      },
      (run) => {
        assert.equal(run.call.callId, CALL);
        assert.deepEqual([run.first.text, run.second.text], ['', TEXT]);
        // Chat Completions refused the model once; it is asked on the Responses API from then on.
        assert.deepEqual(
          run.requests.map((request) => request.path),
          ['/v1/chat/completions', '/v1/responses', '/v1/responses'],
        );
        const tools = [
          {
            type: 'function',
            name: 'read_file',
            description: READ_FILE.description,
            parameters: READ_FILE.inputSchema,
            strict: false,
          },
        ];
        const [first, second] = run.chats.map((chat) => chat.body);
        assert.deepEqual(first!.input, [
          { type: 'message', role: 'user', content: [{ type: 'input_text', text: PROMPT }] },
        ]);
        assert.deepEqual([first!.tools, first!.tool_choice, first!.store], [tools, 'required', false]);
        // With store: false the server keeps nothing: the encrypted reasoning that led to the call goes back before it.
        assert.deepEqual(second!.input, [
          { type: 'message', role: 'user', content: [{ type: 'input_text', text: PROMPT }] },
          { type: 'reasoning', summary: [{ type: 'summary_text', text: SUMMARY }], encrypted_content: ENCRYPTED },
          { type: 'function_call', call_id: CALL, name: 'read_file', arguments: ARGS },
          { type: 'function_call_output', call_id: CALL, output: FILE_TEXT },
        ]);
        assert.deepEqual(second!.tools, tools);
        assert.equal('tool_choice' in second!, false, 'toolMode Auto sends no tool_choice');
        assert.deepEqual(run.first.usage, {
          prompt_tokens: 2130,
          completion_tokens: 86,
          total_tokens: 2216,
          prompt_tokens_details: { cached_tokens: 1920 },
          completion_tokens_details: { reasoning_tokens: 64 },
        });
        assert.deepEqual(run.second.usage, { prompt_tokens: 2290, completion_tokens: 12, total_tokens: 2302 });
        assertRecorded(run, [
          { inputTokens: 2130, outputTokens: 86, cachedInputTokens: 1920, reasoningTokens: 64 },
          { inputTokens: 2290, outputTokens: 12 },
        ]);
      },
    );
  });
});
