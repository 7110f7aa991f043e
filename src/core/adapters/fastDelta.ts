/**
 * The hand-checked fast path for the frequent text delta. Nearly every event of a stream is a text
 * delta in the same envelope, byte for byte, but for the text (and, with some providers, a counter
 * or padding that changes every event). When the full path (JSON.parse and the adapter's zod schema)
 * has found an event to be a plain text delta, its text is cut out into a template: the literal
 * pieces of the event around a hole for the text (and holes for the fields the adapter never reads
 * that change from event to event). A later event that is those pieces exactly, with one well-formed
 * JSON string (or number) in each hole, is the same JSON document but for those values: the full path
 * would give it the same meaning, so its text is taken without parsing it. Anything else (a missing
 * or extra field, another value, different spacing, a null, an escape the string check refuses) does
 * not match and goes through the full path, which may learn its shape in turn.
 */

const TEXT = 0;
const STRING = 1;
const NUMBER = 2;
type Hole = typeof TEXT | typeof STRING | typeof NUMBER;

/** One JSON string token, escapes included (a raw control character is not JSON, so not matched). */
// eslint-disable-next-line no-control-regex -- JSON forbids raw control characters in strings: the check must name them
const STRING_TOKEN = /"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/y;
/** One JSON number token. */
const NUMBER_TOKEN = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

/** At most this many shapes are learned per stream: a provider whose envelope never repeats costs little. */
const MAX_LEARNED = 16;

export interface DeltaShape {
  /** Where the text is, e.g. `['choices', 0, 'delta', 'content']`. */
  textPath: ReadonlyArray<string | number>;
  /** Keys whose string or number values the adapter never reads (a sequence number, padding): holes too. */
  ignored?: ReadonlySet<string>;
}

interface Template {
  /** The SSE event name the template was learned under (undefined: none). */
  event: string | undefined;
  /** Literal text before each hole, and after the last (one more than `holes`). */
  pieces: string[];
  holes: Hole[];
}

/** The text deltas of one stream: a template learned from the full path, matched without parsing. */
export class FastDeltas {
  readonly #shape: DeltaShape;
  #template: Template | undefined;
  #learned = 0;

  /** `enabled` false: never matches (every event takes the full path; tests compare the two). */
  constructor(shape: DeltaShape, enabled = true) {
    this.#shape = shape;
    if (!enabled) this.#learned = MAX_LEARNED;
  }

  /** The text of an event with the learned shape ('' for an empty delta); undefined: take the full path. */
  match(event: string | undefined, data: string): string | undefined {
    const template = this.#template;
    if (template === undefined || template.event !== event) return undefined;
    return matchTemplate(template, data);
  }

  /**
   * Learns the shape of an event the full path found to be a plain text delta with this text (and
   * nothing else for the adapter to do), unless the template in use already matches it.
   */
  learn(event: string | undefined, data: string, text: string): void {
    if (this.#learned >= MAX_LEARNED || this.match(event, data) !== undefined) return;
    this.#learned++;
    const template = learnTemplate(event, data, this.#shape);
    // Checked once against what the full path found, so no template can ever disagree with it.
    if (template && matchTemplate(template, data) === text) this.#template = template;
  }
}

function matchTemplate(template: Template, data: string): string | undefined {
  const { pieces, holes } = template;
  let position = 0;
  let text: string | undefined;
  for (let index = 0; index < holes.length; index++) {
    const piece = pieces[index]!;
    // A slice compared whole is a memory compare; startsWith walks the characters (several times slower).
    if (data.slice(position, position + piece.length) !== piece) return undefined;
    position += piece.length;
    const hole = holes[index];
    const token = hole === NUMBER ? NUMBER_TOKEN : STRING_TOKEN;
    token.lastIndex = position;
    if (!token.test(data)) return undefined;
    const end = token.lastIndex;
    if (hole === TEXT) text = stringValue(data, position, end);
    position = end;
  }
  const last = pieces[holes.length]!;
  if (data.length !== position + last.length || data.slice(position) !== last) return undefined;
  return text;
}

/** The value of the string token at [start, end). */
function stringValue(data: string, start: number, end: number): string {
  const inner = data.slice(start + 1, end - 1);
  return inner.includes('\\') ? (JSON.parse(data.slice(start, end)) as string) : inner;
}

/**
 * Walks one JSON document, cutting holes at the text's path and at ignored keys' scalar values.
 * Undefined for anything it cannot read (the full path stays in charge of such events).
 */
function learnTemplate(event: string | undefined, data: string, shape: DeltaShape): Template | undefined {
  const pieces: string[] = [];
  const holes: Hole[] = [];
  let cut = 0;
  let position = 0;
  let texts = 0;
  const path: Array<string | number> = [];

  const skipWhitespace = () => {
    WHITESPACE.lastIndex = position;
    WHITESPACE.test(data);
    position = WHITESPACE.lastIndex;
  };
  const token = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = position;
    if (!pattern.test(data)) return undefined;
    const text = data.slice(position, pattern.lastIndex);
    position = pattern.lastIndex;
    return text;
  };
  const holeAt = (kind: Hole, start: number) => {
    pieces.push(data.slice(cut, start));
    holes.push(kind);
    cut = position;
  };
  const isTextPath = () =>
    path.length === shape.textPath.length && path.every((step, index) => step === shape.textPath[index]);
  const isIgnored = () => {
    const key = path[path.length - 1];
    return typeof key === 'string' && shape.ignored?.has(key) === true;
  };

  const value = (depth: number): boolean => {
    if (depth > 64) return false;
    skipWhitespace();
    const start = position;
    const first = data[position];
    if (first === '{' || first === '[') {
      position++;
      skipWhitespace();
      const close = first === '{' ? '}' : ']';
      if (data[position] === close) {
        position++;
        return true;
      }
      for (let index = 0; ; index++) {
        if (first === '{') {
          skipWhitespace();
          const key = token(STRING_TOKEN);
          if (key === undefined) return false;
          skipWhitespace();
          if (data[position++] !== ':') return false;
          path.push(JSON.parse(key) as string);
        } else path.push(index);
        const ok = value(depth + 1);
        path.pop();
        if (!ok) return false;
        skipWhitespace();
        const next = data[position++];
        if (next === close) return true;
        if (next !== ',') return false;
      }
    }
    if (first === '"') {
      if (token(STRING_TOKEN) === undefined) return false;
      if (isTextPath()) {
        texts++;
        holeAt(TEXT, start);
      } else if (isIgnored()) holeAt(STRING, start);
      return true;
    }
    for (const literal of ['true', 'false', 'null']) {
      if (data.startsWith(literal, position)) {
        position += literal.length;
        return true;
      }
    }
    if (token(NUMBER_TOKEN) === undefined) return false;
    if (isIgnored()) holeAt(NUMBER, start);
    return true;
  };

  if (!value(0)) return undefined;
  skipWhitespace();
  // One text, where the adapter reads it (a duplicate key would make two).
  if (position !== data.length || texts !== 1) return undefined;
  pieces.push(data.slice(cut));
  return { event, pieces, holes };
}
