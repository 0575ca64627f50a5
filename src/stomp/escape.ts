/** Header value escaping of STOMP 1.2: `\r` `\n` `\c` `\\`, nothing else, no nested decoding. */

export function escapeHeader(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let rep: string | undefined;
    if (c === 0x5c) rep = '\\\\';
    else if (c === 0x0d) rep = '\\r';
    else if (c === 0x0a) rep = '\\n';
    else if (c === 0x3a) rep = '\\c';
    if (rep !== undefined) {
      out += text.slice(from, i) + rep;
      from = i + 1;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}

export interface UnescapeResult {
  value: string;
  /** Character index (in the escaped text) of the first undefined escape, or -1. */
  badEscapeAt: number;
}

/** Decodes escapes; an undefined escape (or a trailing lone backslash) is kept literally and reported. */
export function unescapeHeader(text: string): UnescapeResult {
  let i = text.indexOf('\\');
  if (i < 0) return { value: text, badEscapeAt: -1 };
  let out = text.slice(0, i);
  let badEscapeAt = -1;
  while (i < text.length) {
    const c = text[i];
    if (c !== '\\') {
      const next = text.indexOf('\\', i);
      const end = next < 0 ? text.length : next;
      out += text.slice(i, end);
      i = end;
      continue;
    }
    const e = text[i + 1];
    if (e === 'r') out += '\r';
    else if (e === 'n') out += '\n';
    else if (e === 'c') out += ':';
    else if (e === '\\') out += '\\';
    else {
      if (badEscapeAt < 0) badEscapeAt = i;
      out += e === undefined ? '\\' : '\\' + e;
    }
    i += 2;
  }
  return { value: out, badEscapeAt };
}
