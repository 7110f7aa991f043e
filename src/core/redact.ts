/**
 * Redaction of credentials in any text that may reach a log line or an error message.
 * Patterns catch auth headers, key query parameters and well-known key shapes; exact known
 * secrets (registered by whoever reads them from secret storage) are caught whatever their shape.
 */
export const REDACTED = '[REDACTED]';
/** Marks where `clip` cut a text, so a later redactor that knows a key can find the key's first half before it. */
export const CUT = '…';

const HEADER_NAMES = 'proxy-authorization|authorization|x-api-key|x-goog-api-key|api-key';
// `Authorization: Bearer x`, `"x-api-key":"x"`, `api-key=x` (header dumps, JSON, form data).
const HEADER_VALUE = new RegExp(
  `(^|[^a-z0-9-])(${HEADER_NAMES})(["']?\\s*[:=]\\s*["']?)(?:(bearer|basic|token)\\s+)?[^\\s"',;}&]+`,
  'gi',
);
// Gemini and others accept keys in the URL; so do signed links.
const QUERY_KEY = /([?&](?:key|api[-_]?key|access_token|token|sig)=)[^&#\s"'<>]+/gi;
const BEARER = /\b(bearer)\s+[A-Za-z0-9._~+/=-]{6,}/gi;
// `https://user:secret@host`: a key pasted into a base URL as its user info.
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;
// Well-known key shapes, for keys that show up outside a header (echoed bodies, pasted URLs).
const KEY_SHAPES = [
  /\bsk-(?:ant-|proj-|or-v1-|or-)?[A-Za-z0-9_-]{16,}/g, // OpenAI, Anthropic, OpenRouter, DeepSeek
  /\bAIza[0-9A-Za-z_-]{30,}/g, // Google
  /\bxai-[A-Za-z0-9]{20,}/g, // xAI
  /\bgsk_[A-Za-z0-9]{20,}/g, // Groq
];
// The first characters of a key shape, cut short by `clip`: too short for the shapes above.
const CUT_SHAPE = new RegExp(`\\b(?:sk-|AIza|xai-|gsk_)[A-Za-z0-9_-]*(?=${CUT})`, 'g');
// Vendor prefixes say nothing about a key, and masks show them (`sk-proj-…vX2Q`).
const PUBLIC_PREFIX = /^(?:sk-(?:proj-|ant-(?:api\d+-)?|or-v1-|or-)?|AIza|xai-|gsk_|pplx-|fw_)/;
/** A key's first characters before a cut mark are redacted from this many past its vendor prefix on; fewer are noise. */
const MIN_CUT_FRAGMENT = 4;
/** `clip` redacts a window this much longer than what it keeps: bodies can be megabytes. */
const CLIP_WINDOW = 8192;
/** What a window's cut end may hold of a key that no match can find, dropped after redaction. */
const CLIP_TAIL = 512;

const secretCharacters = (fragment: string) => fragment.length - (PUBLIC_PREFIX.exec(fragment)?.[0].length ?? 0);

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
    if (result.includes(CUT)) {
      result = this.#redactCutKeys(result).replace(CUT_SHAPE, (fragment) =>
        secretCharacters(fragment) >= MIN_CUT_FRAGMENT ? REDACTED : fragment,
      );
    }
    result = result.replace(
      HEADER_VALUE,
      (_match, lead: string, name: string, sep: string, scheme?: string) =>
        `${lead}${name}${sep}${scheme ? `${scheme} ` : ''}${REDACTED}`,
    );
    result = result.replace(QUERY_KEY, `$1${REDACTED}`);
    result = result.replace(BEARER, `$1 ${REDACTED}`);
    result = result.replace(URL_USERINFO, `$1${REDACTED}@`);
    for (const shape of KEY_SHAPES) result = result.replace(shape, REDACTED);
    return result;
  }

  /**
   * Redacts, then cuts to at most `max` characters, the cut marked. Never the other way round: a key
   * cut in half leaves a fragment that neither the exact match nor a pattern finds.
   */
  clip(text: string, max: number): string {
    const windowed = text.length > max + CLIP_WINDOW;
    let redacted = this.redact(windowed ? text.slice(0, max + CLIP_WINDOW) : text);
    // The window's own cut may hold a key's first characters: they stand at its very end.
    if (windowed)
      redacted = redacted.slice(0, -Math.max(CLIP_TAIL, ...[...this.#known].map((secret) => secret.length)));
    return windowed || redacted.length > max ? `${redacted.slice(0, max - CUT.length)}${CUT}` : redacted;
  }

  /** Every string in a JSON-like value (a message to a webview, a report), redacted; other values as they are. */
  redactValue<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((item: unknown) => this.redactValue(item)) as T;
    if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, this.redactValue(item)])) as T;
    }
    return value;
  }

  /** A known key's first characters right before a cut mark: text clipped before this redactor saw it. */
  #redactCutKeys(text: string): string {
    let result = '';
    let from = 0;
    for (let at = text.indexOf(CUT); at !== -1; at = text.indexOf(CUT, at + 1)) {
      let start = at;
      for (const secret of this.#known) {
        const least = secret.length - secretCharacters(secret) + MIN_CUT_FRAGMENT;
        for (let length = Math.min(secret.length - 1, at - from); length >= least; length--) {
          if (text.startsWith(secret.slice(0, length), at - length)) {
            start = Math.min(start, at - length);
            break;
          }
        }
      }
      result += `${text.slice(from, start)}${start < at ? REDACTED : ''}`;
      from = at;
    }
    return result + text.slice(from);
  }
}

/** Redacts with the patterns only (no known secrets). */
export function redact(text: string): string {
  return patternRedactor.redact(text);
}

const patternRedactor = new Redactor();
