import type { ChatMessage } from './types';

/** A file, a selection or a value the user attached to a chat request. */
export interface Attachment {
  /** What the user sees it as, e.g. `src/app.ts:10-42`. */
  label: string;
  text: string;
}

export interface FitOptions {
  /** The model's context window in tokens. */
  contextWindow: number;
  /** Tokens kept free for the answer (and for anything sent after the prompt). */
  reserveForAnswer: number;
  /** The same local count the cost estimate uses. */
  countTokens: (text: string) => number;
}

export interface FitResult {
  messages: ChatMessage[];
  /** Earlier messages left out for room (an unanswered question before the prompt is not counted). */
  droppedMessages: number;
  /** Attachments cut short (with the share kept) or left out (kept 0). */
  shortened: Array<{ label: string; keptFraction: number }>;
}

/** Below this, an attachment's remnant is not worth sending. */
const MIN_USEFUL_TOKENS = 64;
/** Per-message framing the providers add (role markers): counted so the sum does not undershoot. */
const PER_MESSAGE_TOKENS = 4;
/**
 * Text longer than this × the budget is not counted whole (tokenizing megabytes blocks the host):
 * code and prose average 3–4 characters a token, so a cut from here rarely leaves room unused.
 */
const MAX_CHARS_PER_TOKEN = 8;

const attachmentBlock = (attachment: Attachment, text: string, cut: boolean) =>
  `<attachment name="${attachment.label.replace(/"/g, "'")}"${cut ? ' truncated="true"' : ''}>\n${text}\n</attachment>`;

/** The longest start of `text` within `budget` tokens, found by shrinking a guess from the chars-per-token ratio. */
function cutToTokens(text: string, budget: number, countTokens: (text: string) => number): string {
  let cut = text.slice(0, budget * MAX_CHARS_PER_TOKEN);
  let tokens = countTokens(cut);
  while (tokens > budget && cut.length > 0) {
    // Aim a little under, so the loop ends in a step or two.
    cut = cut.slice(0, Math.floor((cut.length * budget * 0.95) / tokens));
    tokens = countTokens(cut);
  }
  // End at a line break where one is near, so code is not cut mid-line.
  const lineEnd = cut.lastIndexOf('\n');
  return lineEnd > cut.length * 0.8 ? cut.slice(0, lineEnd) : cut;
}

/**
 * The request that fits the model's window: the prompt always; then the attachments, in order, cut
 * short or left out when they do not fit; then as many earlier messages as fit, newest first.
 * Attachments go into the prompt's message, before the question.
 */
export function fitToContext(
  history: ChatMessage[],
  prompt: string,
  attachments: Attachment[],
  options: FitOptions,
): FitResult {
  const { countTokens } = options;
  let budget = options.contextWindow - options.reserveForAnswer - countTokens(prompt) - PER_MESSAGE_TOKENS;
  const blocks: string[] = [];
  const shortened: FitResult['shortened'] = [];
  for (const attachment of attachments) {
    const whole = attachmentBlock(attachment, attachment.text, false);
    const wholeTokens = whole.length <= budget * MAX_CHARS_PER_TOKEN ? countTokens(whole) : Infinity;
    if (wholeTokens <= budget) {
      blocks.push(whole);
      budget -= wholeTokens;
      continue;
    }
    const frame = countTokens(attachmentBlock(attachment, '', true));
    if (budget - frame < MIN_USEFUL_TOKENS) {
      shortened.push({ label: attachment.label, keptFraction: 0 });
      continue;
    }
    const kept = cutToTokens(attachment.text, budget - frame, countTokens);
    const block = attachmentBlock(attachment, kept, true);
    blocks.push(block);
    budget -= countTokens(block);
    shortened.push({
      label: attachment.label,
      keptFraction: attachment.text.length === 0 ? 1 : kept.length / attachment.text.length,
    });
  }
  // The prompt is the user's turn: an unanswered question before it would make two in a row, which
  // servers that require turns to alternate (Mistral, vLLM and llama.cpp templates) refuse.
  const conversation = [...history];
  while (conversation.at(-1)?.role === 'user') conversation.pop();
  const kept: ChatMessage[] = [];
  for (let index = conversation.length - 1; index >= 0; index--) {
    const message = conversation[index]!;
    const tokens =
      countTokens(typeof message.content === 'string' ? message.content : JSON.stringify(message.content)) +
      PER_MESSAGE_TOKENS;
    if (tokens > budget) break;
    budget -= tokens;
    kept.unshift(message);
  }
  // A conversation never starts with the assistant's turn (Anthropic and Gemini refuse it).
  while (kept[0]?.role === 'assistant') kept.shift();
  const content = blocks.length > 0 ? `${blocks.join('\n\n')}\n\n${prompt}` : prompt;
  return {
    messages: [...kept, { role: 'user', content }],
    droppedMessages: conversation.length - kept.length,
    shortened,
  };
}
