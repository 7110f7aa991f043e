/**
 * Key-shaped values where only plain configuration belongs (a base URL, a header value kept in
 * plain text). Configuration is stored unencrypted, exported and committed; keys live in secret
 * storage. Plain code with no dependencies: the panel's webview checks its fields with it too.
 */

export const KEY_IN_BASE_URL =
  "This looks like an API key. Keys belong in Switchboard: Set API Key (kept in VS Code's secret storage), not in the base URL.";
export const KEY_IN_HEADER =
  "This looks like an API key. Keys belong in Switchboard: Set API Key (kept in VS Code's secret storage), not in a header value.";

/**
 * Header names that carry a secret (Authorization, x-api-key, api-key, Ocp-Apim-Subscription-Key,
 * cf-aig-authorization, X-Auth-Token, Cookie, …): their values go to secret storage, never to configuration.
 */
export const SECRET_HEADER = /auth|key|token|secret|cookie|subscription|password|credential/i;

/** A header name as HTTP allows it (RFC 9110 token). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;

// Vendor key prefixes, each followed by the long random part every real key of that vendor has.
const PREFIXED =
  /^(?:sk-ant-|sk-proj-|sk-or-v1-|sk-|sk_|rk_|AIza|xai-|gsk_|pplx-|fw_|hf_|ghp_|gho_|github_pat_|glpat-|r8_|nvapi-|csk-|AKIA)[A-Za-z0-9_-]{16,}$/;
// An authorization scheme and its credential, as pasted from a curl command.
const SCHEME = /^(?:Bearer|Basic|Token)\s+\S{8,}/i;
// Query parameters that carry a credential (Gemini's `key=`, Azure's `api-key=`, `api_token=`,
// `client_secret=`, a signed URL's `sig=`, …): any name with one of these words in it.
const KEY_PARAMETER = /key|token|secret|passw|auth|sig(?:nature)?$/i;

/**
 * A long random-looking token: mixed case and digits, and close to random in its letters. Hex ids
 * (a Cloudflare account id), UUIDs, version dates and resource names are all single-case, so they
 * never match.
 */
function highEntropy(token: string): boolean {
  if (token.length < 32 || !/^[A-Za-z0-9_\-+/=.~]+$/.test(token)) return false;
  if (!/[a-z]/.test(token) || !/[A-Z]/.test(token) || !/[0-9]/.test(token)) return false;
  const counts = new Map<string, number>();
  for (const char of token) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) bits -= (count / token.length) * Math.log2(count / token.length);
  return bits >= 4;
}

/** One word that looks like a credential. */
function keyLike(word: string): boolean {
  return PREFIXED.test(word) || highEntropy(word);
}

/** Percent-decoded as far as it can be: a malformed escape elsewhere must not hide a key. */
function decoded(part: string): string {
  return part.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** A path segment or value, and each piece of it between characters no key contains (`;`, `:`, `,`, spaces, …). */
function holdsKey(part: string): boolean {
  const text = decoded(part);
  return SCHEME.test(text) || [text, ...text.split(/[^A-Za-z0-9_\-+/=.~]+/)].some(keyLike);
}

/** True when a value that would be kept in plain text holds something shaped like a key. */
export function looksLikeKey(value: string): boolean {
  const trimmed = value.trim();
  if (SCHEME.test(trimmed)) return true;
  if (/^https?:\/\//i.test(trimmed) && URL.canParse(trimmed)) return urlHoldsKey(trimmed);
  return trimmed.split(/[\s,;]+/).some(keyLike);
}

/**
 * True when a URL carries a credential: a user or password before the host, a credential query
 * parameter, or a key-shaped path segment, parameter or fragment (or a key-shaped piece of one). The host name is
 * not checked: host names are lower-case resource names, never keys.
 */
export function urlHoldsKey(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  // Anything before the host is a credential: a base URL never needs one (headers and keys do that job).
  if (parsed.username || parsed.password) return true;
  if (parsed.pathname.split('/').some(holdsKey)) return true;
  for (const params of [parsed.searchParams, new URLSearchParams(parsed.hash.slice(1))]) {
    for (const [name, value] of params) {
      if ((KEY_PARAMETER.test(name) && value !== '') || holdsKey(value)) return true;
    }
  }
  return false;
}
