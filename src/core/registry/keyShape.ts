/**
 * Key-shaped values where only plain configuration belongs (a base URL, a header value kept in
 * plain text). Configuration is stored unencrypted, exported and committed; keys live in secret
 * storage. Plain code with no dependencies: the panel's webview checks its fields with it too.
 */

export const KEY_IN_BASE_URL =
  "This looks like an API key. Keys belong in Switchboard: Set API Key (kept in VS Code's secret storage), not in the base URL.";
export const KEY_IN_HEADER =
  "This looks like an API key. Keys belong in Switchboard: Set API Key (kept in VS Code's secret storage), not in a header value.";

// Vendor key prefixes, each followed by the long random part every real key of that vendor has.
const PREFIXED =
  /^(?:sk-ant-|sk-proj-|sk-or-v1-|sk-|sk_|rk_|AIza|xai-|gsk_|pplx-|fw_|hf_|ghp_|gho_|github_pat_|glpat-|r8_|nvapi-|csk-|AKIA)[A-Za-z0-9_-]{16,}$/;
// An authorization scheme and its credential, as pasted from a curl command.
const SCHEME = /^(?:Bearer|Basic|Token)\s+\S{8,}/i;
// Query parameters that carry a credential (Gemini's `key=`, Azure's `api-key=`, `token=`, …).
const KEY_PARAMETER =
  /^(?:key|api[-_]?key|apikey|x-api-key|token|access[-_]?token|auth|auth[-_]?token|secret|password|subscription[-_]?key)$/i;

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

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** True when a value that would be kept in plain text holds something shaped like a key. */
export function looksLikeKey(value: string): boolean {
  const trimmed = value.trim();
  if (SCHEME.test(trimmed)) return true;
  if (/^https?:\/\//i.test(trimmed) && URL.canParse(trimmed)) return urlHoldsKey(trimmed);
  return trimmed.split(/[\s,;]+/).some(keyLike);
}

/**
 * True when a URL carries a credential: a password (or key-shaped user) before the host, a
 * credential query parameter, or a key-shaped path segment, parameter or fragment. The host name is
 * not checked: host names are lower-case resource names, never keys.
 */
export function urlHoldsKey(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  if (parsed.password || keyLike(decoded(parsed.username))) return true;
  if (parsed.pathname.split('/').some((segment) => keyLike(decoded(segment)))) return true;
  for (const params of [parsed.searchParams, new URLSearchParams(parsed.hash.slice(1))]) {
    for (const [name, value] of params) {
      if ((KEY_PARAMETER.test(name) && value !== '') || SCHEME.test(value) || keyLike(value)) return true;
    }
  }
  return false;
}
