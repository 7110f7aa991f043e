import type { Redactor } from '../../redact';
import { MAX_FILE_DEPTH, MAX_IMPORT_PROVIDERS, position, tooDeepAt, type ParseResult } from '../portable';

/**
 * Reading another tool's file: JSON with comments (VS Code's and Continue's JSON files allow them) or
 * YAML, refused before it is parsed when it is too large or nested too deep, and no message ever
 * quotes the file (a parser's excerpt could show a key).
 */

/** The longest foreign file read: the largest real ones are a few kilobytes. */
export const MAX_FOREIGN_FILE_CHARS = 8 * 1024 * 1024;
/** YAML aliases expanded at most this many times (a "billion laughs" file expands to gigabytes). */
const MAX_ALIAS_COUNT = 100;

/** Field names whose values are secrets, anywhere in a foreign file: every such value is redacted from messages. */
const KEY_LIKE =
  /api[-_]?key|apikey|(?:^|[-_])key$|token|secret|password|passphrase|credential|access[-_]?key|authorization/i;

/** `${env:NAME}`, `${{ secrets.NAME }}`, `${input:id}`, `os.environ/NAME`: names of keys, not keys. */
const REFERENCE = /^\s*(?:\$\{[^}]*\}\}?|os\.environ\/\S+)\s*$/;

/** Comments and trailing commas become spaces, so offsets (and so line numbers) stay where they were. */
export function withoutJsonComments(text: string): string {
  const out = text.split('');
  const blank = (from: number, to: number) => {
    for (let index = from; index < to; index++) if (out[index] !== '\n' && out[index] !== '\r') out[index] = ' ';
  };
  let lastComma = -1;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '"') {
      for (index++; index < text.length && text[index] !== '"'; index++) if (text[index] === '\\') index++;
      lastComma = -1;
    } else if (char === '/' && text[index + 1] === '/') {
      const end = text.indexOf('\n', index);
      blank(index, end === -1 ? text.length : end);
      index = end === -1 ? text.length : end;
    } else if (char === '/' && text[index + 1] === '*') {
      const end = text.indexOf('*/', index + 2);
      blank(index, end === -1 ? text.length : end + 2);
      index = end === -1 ? text.length : end + 1;
    } else if (char === ',') lastComma = index;
    else if ((char === '}' || char === ']') && lastComma >= 0) {
      out[lastComma] = ' ';
      lastComma = -1;
    } else if (char !== undefined && !/\s/.test(char)) lastComma = -1;
  }
  return out.join('');
}

const tooLarge = (text: string, fileName: string): ParseResult<never> | undefined =>
  text.length > MAX_FOREIGN_FILE_CHARS
    ? {
        ok: false,
        limit: 'too-large',
        errors: [
          `${fileName}: ${text.length.toLocaleString('en-US')} characters; a file to import may hold at most ${MAX_FOREIGN_FILE_CHARS.toLocaleString('en-US')}`,
        ],
      }
    : undefined;

const deepError = (where: string): ParseResult<never> => ({
  ok: false,
  limit: 'too-deep',
  errors: [`${where}: nested more than ${MAX_FILE_DEPTH} levels deep; a tool's settings are never this deep`],
});

/** JSON, comments and trailing commas allowed. A syntax error is located, never quoted. */
export function parseJsonText(text: string, fileName: string): ParseResult<unknown> {
  const large = tooLarge(text, fileName);
  if (large) return large;
  const json = withoutJsonComments(text.replace(/^\uFEFF/, ' '));
  const deep = tooDeepAt(json, MAX_FILE_DEPTH);
  if (deep !== undefined) return deepError(`${fileName} (${position(text, deep)})`);
  try {
    return { ok: true, value: JSON.parse(json) as unknown };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /position (\d+)/.exec(message);
    // V8 quotes the text around an unexpected token ("…" is not valid JSON): that part is left out.
    const reason = message
      .replace(/,\s*".*" is not valid JSON$/s, '')
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/"[^"]*"/g, '…');
    return {
      ok: false,
      errors: [`${fileName}${at ? ` (${position(json, Number(at[1]))})` : ''}: not valid JSON: ${reason}`],
    };
  }
}

/** YAML 1.2 (1.1 merge keys allowed, as Continue documents them). A syntax error is located, never quoted. */
export async function parseYamlText(text: string, fileName: string): Promise<ParseResult<unknown>> {
  const large = tooLarge(text, fileName);
  if (large) return large;
  const yaml = await import('yaml');
  // The extension loads it from its own CommonJS file (dist/vendor/yaml.js, see esbuild.mjs), whose
  // names Node's import() cannot see: they are on `default` there.
  const { Lexer, parseDocument } = yaml.default ?? yaml;
  // Flow collections ([ and {) nested some thousands deep exhaust the parser's memory, which no
  // catch recovers from: the lexer (iterative, quotes and comments understood) counts them first.
  let depth = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      if (++depth > MAX_FILE_DEPTH) return deepError(`${fileName} (${position(text, offset)})`);
    } else if (token === ']' || token === '}') depth = Math.max(0, depth - 1);
    // Single control characters mark where a document or scalar starts; they are not in the text.
    if (!(token.length === 1 && token < ' ' && token !== '\n' && token !== '\t')) offset += token.length;
  }
  try {
    const document = parseDocument(text, { logLevel: 'silent', merge: true });
    const [first] = document.errors;
    if (first) {
      const [line, column] = [first.linePos?.[0].line, first.linePos?.[0].col];
      // The message's first sentence: what follows it is an excerpt of the file.
      const reason = first.message.split(/ at line \d+/)[0]!.split('\n')[0]!;
      return {
        ok: false,
        errors: [`${fileName}${line ? ` (line ${line}, column ${column})` : ''}: not valid YAML: ${reason}`],
      };
    }
    return { ok: true, value: document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown };
  } catch (error) {
    if (error instanceof RangeError) return deepError(fileName);
    const reason = error instanceof Error && /alias/i.test(error.message) ? 'too many aliases' : 'could not be read';
    return { ok: false, errors: [`${fileName}: not valid YAML: ${reason}`] };
  }
}

/**
 * Walks a parsed file without recursion: refuses nesting deeper than MAX_FILE_DEPTH and any list or
 * map of more than MAX_IMPORT_PROVIDERS entries, and registers every key-like value with `redactor`.
 */
export function checkShape(value: unknown, fileName: string, redactor: Redactor): ParseResult<unknown> {
  const stack: Array<{ node: unknown; depth: number; path: string }> = [{ node: value, depth: 1, path: '' }];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const { node, depth, path } = stack.pop()!;
    if (typeof node !== 'object' || node === null || seen.has(node)) continue;
    // YAML aliases share objects: each is walked once.
    seen.add(node);
    if (depth > MAX_FILE_DEPTH) return deepError(`${fileName}: ${path}`);
    const size = Array.isArray(node) ? node.length : Object.keys(node).length;
    if (size > MAX_IMPORT_PROVIDERS)
      return {
        ok: false,
        limit: 'too-many-providers',
        errors: [
          `${fileName}: ${path || '(root)'}: ${size.toLocaleString('en-US')} entries; a file may hold at most ${MAX_IMPORT_PROVIDERS.toLocaleString('en-US')}`,
        ],
      };
    if (Array.isArray(node))
      node.forEach((child, index) => stack.push({ node: child, depth: depth + 1, path: `${path}[${index}]` }));
    else
      for (const [name, child] of Object.entries(node)) {
        if (typeof child === 'string' && KEY_LIKE.test(name) && !REFERENCE.test(child))
          redactor.addSecret(child.trim());
        stack.push({ node: child, depth: depth + 1, path: path ? `${path}.${name}` : name });
      }
  }
  return { ok: true, value };
}
