/**
 * Redaction of credentials in any text that may reach a log line or an error message.
 * Patterns catch auth headers, key query parameters and well-known key shapes; exact known
 * secrets (registered by whoever reads them from secret storage) are caught whatever their shape.
 */
export const REDACTED = '[REDACTED]';

const HEADER_NAMES = 'proxy-authorization|authorization|x-api-key|x-goog-api-key|api-key';
// `Authorization: Bearer x`, `"x-api-key":"x"`, `api-key=x` (header dumps, JSON, form data).
const HEADER_VALUE = new RegExp(
  `(^|[^a-z0-9-])(${HEADER_NAMES})(["']?\\s*[:=]\\s*["']?)(?:(bearer|basic|token)\\s+)?[^\\s"',;}&]+`,
  'gi',
);
// Gemini and others accept keys in the URL; so do signed links.
const QUERY_KEY = /([?&](?:key|api[-_]?key|access_token|token|sig)=)[^&#\s"'<>]+/gi;
const BEARER = /\b(bearer)\s+[A-Za-z0-9._~+/=-]{6,}/gi;
// Well-known key shapes, for keys that show up outside a header (echoed bodies, pasted URLs).
const KEY_SHAPES = [
  /\bsk-(?:ant-|proj-|or-v1-|or-)?[A-Za-z0-9_-]{16,}/g, // OpenAI, Anthropic, OpenRouter, DeepSeek
  /\bAIza[0-9A-Za-z_-]{30,}/g, // Google
  /\bxai-[A-Za-z0-9]{20,}/g, // xAI
  /\bgsk_[A-Za-z0-9]{20,}/g, // Groq
];

export class Redactor {
  readonly #known = new Set<string>();

  /** Registers an exact secret value; values under 6 characters would redact ordinary words. */
  addSecret(value: string | undefined): void {
    if (value && value.length >= 6) this.#known.add(value);
  }

  removeSecret(value: string | undefined): void {
    if (value) this.#known.delete(value);
  }

  redact(text: string): string {
    let result = text;
    for (const secret of this.#known) {
      if (result.includes(secret)) result = result.split(secret).join(REDACTED);
    }
    result = result.replace(HEADER_VALUE, (_match, lead: string, name: string, sep: string, scheme?: string) =>
      `${lead}${name}${sep}${scheme ? `${scheme} ` : ''}${REDACTED}`,
    );
    result = result.replace(QUERY_KEY, `$1${REDACTED}`);
    result = result.replace(BEARER, `$1 ${REDACTED}`);
    for (const shape of KEY_SHAPES) result = result.replace(shape, REDACTED);
    return result;
  }
}

/** Redacts with the patterns only (no known secrets). */
export function redact(text: string): string {
  return patternRedactor.redact(text);
}

const patternRedactor = new Redactor();
