/** What the chat writes into answers and keeps between turns: plain data, no VS Code. */

export const CHAT_PARTICIPANT_ID = 'switchboard.chat';

/** What a chat answer keeps for the next turn. Never a key: it is stored with the chat session. */
export interface SwitchboardChatMetadata {
  /** The model the conversation continues on: the one that answered, or the one `/model` chose. */
  providerId?: string;
  model?: string;
  /** VS Code's model picker at this turn: a different pick next turn means the user changed it. */
  picker?: string;
  /** Set on a command's answer (`/cost`, `/compare`…): such turns are not conversation. */
  command?: string;
  /** After a failure: the model the "Retry on…" follow-up goes to, for this prompt. */
  retry?: { prompt: string; providerId: string; model: string; modelName: string };
  /** Set when part of the answer was shown before the failure: the follow-up continues it. */
  partial?: string;
}

/** Where the footer begins in an answer's Markdown. */
export const FOOTER_MARK = '\n\n---\n*';
/** Reasoning is shown as a quote that starts with this line; it never goes back to the model. */
export const REASONING_MARK = '> *Reasoning*\n>\n> ';

/** Names come from configuration (a workspace file, say): shown as text, never as Markdown. */
export const escapeMarkdown = (text: string) => text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, '\\$&');

/** An answer's own text: without Switchboard's reasoning quote and footer. */
export function answerText(markdown: string): string {
  let text = markdown;
  // The footer is Switchboard's (answers may hold their own horizontal rules: cut at the last mark).
  const footer = text.lastIndexOf(FOOTER_MARK);
  if (footer >= 0) text = text.slice(0, footer);
  if (text.startsWith(REASONING_MARK)) {
    // The quote ends at the first line that is not quoted.
    const end = text.search(/\n(?!>)/);
    text = end < 0 ? '' : text.slice(end).replace(/^\n+/, '');
  }
  return text;
}
