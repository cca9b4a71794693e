/**
 * JSON.parse keeps the last of two equal keys, so `{"alg":"EdDSA","alg":"none"}` would
 * mean different things to different parsers. This parser accepts exactly RFC 8259 JSON
 * and refuses duplicate keys; strings and numbers are decoded by JSON.parse itself.
 */

export class JsonSyntaxError extends Error {}

const MAX_DEPTH = 16;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const WHITESPACE = /[ \t\n\r]*/y;

export function parseStrictJson(text: string): unknown {
  let at = 0;

  const skipWhitespace = (): void => {
    WHITESPACE.lastIndex = at;
    WHITESPACE.exec(text);
    at = WHITESPACE.lastIndex;
  };
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at ${at}`);
  };
  const token = (pattern: RegExp): string => {
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (!match) fail('unexpected character');
    at = pattern.lastIndex;
    return (match as RegExpExecArray)[0];
  };
  const literal = (word: string, value: unknown): unknown => {
    if (!text.startsWith(word, at)) fail('unexpected character');
    at += word.length;
    return value;
  };

  const value = (depth: number): unknown => {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    skipWhitespace();
    const char = text[at];
    if (char === '{') return object(depth);
    if (char === '[') return array(depth);
    if (char === '"') return JSON.parse(token(STRING)) as string;
    if (char === 't') return literal('true', true);
    if (char === 'f') return literal('false', false);
    if (char === 'n') return literal('null', null);
    return JSON.parse(token(NUMBER)) as number;
  };

  const object = (depth: number): Record<string, unknown> => {
    at += 1;
    const entries: Array<[string, unknown]> = [];
    const seen = new Set<string>();
    skipWhitespace();
    if (text[at] === '}') {
      at += 1;
      return {};
    }
    for (;;) {
      skipWhitespace();
      const key = JSON.parse(token(STRING)) as string;
      if (seen.has(key)) fail(`duplicate key "${key.slice(0, 32)}"`);
      seen.add(key);
      skipWhitespace();
      if (text[at] !== ':') fail('expected ":"');
      at += 1;
      entries.push([key, value(depth + 1)]);
      skipWhitespace();
      if (text[at] === ',') {
        at += 1;
        continue;
      }
      if (text[at] === '}') {
        at += 1;
        // fromEntries defines own properties: a "__proto__" key stays data, never a prototype.
        return Object.fromEntries(entries);
      }
      fail('expected "," or "}"');
    }
  };

  const array = (depth: number): unknown[] => {
    at += 1;
    const items: unknown[] = [];
    skipWhitespace();
    if (text[at] === ']') {
      at += 1;
      return items;
    }
    for (;;) {
      items.push(value(depth + 1));
      skipWhitespace();
      if (text[at] === ',') {
        at += 1;
        continue;
      }
      if (text[at] === ']') {
        at += 1;
        return items;
      }
      fail('expected "," or "]"');
    }
  };

  const result = value(0);
  skipWhitespace();
  if (at !== text.length) fail('trailing characters');
  return result;
}
