// Checks on untrusted flow text before the YAML composer sees it: well-formed Unicode (no lone
// surrogates, no U+FFFD left by bytes that were not UTF-8) and a bounded nesting depth. Both
// walks are iterative, so a hostile document cannot exhaust the stack that checks it.

import { Parser } from 'yaml';
import type { ValidationProblem } from '../errors.js';
import { joinKey, MAX_NESTING_DEPTH, nestingProblem } from './nesting-depth.js';

/** A problem with the 1-based line where it was found, when known (same shape as parse-flow's). */
export type TextProblem = ValidationProblem & { line?: number };

/** Decodes bytes as strict UTF-8; the problem names the byte offset and line of the first bad byte. */
export function decodeUtf8(bytes: Uint8Array, what = 'the flow document'): { text: string } | { problem: TextProblem } {
  const bad = firstInvalidUtf8(bytes);
  if (bad === undefined) return { text: new TextDecoder('utf-8').decode(bytes) };
  let line = 1;
  for (let i = 0; i < bad; i++) if (bytes[i] === 0x0a) line++;
  const hex = (bytes[bad] ?? 0).toString(16).toUpperCase().padStart(2, '0');
  return {
    problem: {
      path: '',
      message: `${what} is not valid UTF-8: byte 0x${hex} at byte offset ${bad} (line ${line}) does not start or continue a UTF-8 character`,
      hint: 'save the file as UTF-8 (most editors offer "UTF-8" in their encoding menu)',
      line,
    },
  };
}

// Returns the offset of the first byte that is not part of a well-formed UTF-8 sequence (no
// overlongs, no surrogates, nothing above U+10FFFF), per the Unicode standard's table 3-7.
function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      // The offset named is where the broken character starts.
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return undefined;
}

/**
 * Refuses text that is not well-formed Unicode: a lone surrogate (which has no UTF-8 form), or
 * U+FFFD, which is what a decoder leaves where bytes were not UTF-8. A flow that means U+FFFD
 * can write it as "\uFFFD" in a double-quoted string.
 */
export function unicodeProblem(text: string, what = 'the flow document'): TextProblem | undefined {
  const found = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|\ufffd/.exec(text);
  if (!found) return undefined;
  const { line, column } = positionOf(text, found.index);
  const code = (found[0].codePointAt(0) ?? 0).toString(16).toUpperCase();
  const where = `at line ${line}, column ${column} (character offset ${found.index})`;
  if (found[0] === '\ufffd') {
    return {
      path: '',
      message: `${what} holds U+FFFD ${where}, the replacement character a decoder leaves where the bytes were not valid UTF-8`,
      hint: 'send or save the text as UTF-8; to mean the character itself, write "\\uFFFD" in a double-quoted string',
      line,
    };
  }
  return {
    path: '',
    message: `${what} is not well-formed Unicode: a lone surrogate U+${code} ${where} has no UTF-8 form`,
    hint: 'send the text as UTF-8; a surrogate must come in a pair that forms one character',
    line,
  };
}

function positionOf(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: index - start + 1 };
}

interface CstNode {
  type: string;
  offset?: number;
  source?: string;
  value?: CstNode;
  key?: CstNode | null;
  items?: Array<{ key?: CstNode | null; value?: CstNode }>;
}

/** Finds YAML or JSON text nested deeper than `max` maps and lists, on the parser's token tree. */
export function yamlNestingProblem(text: string, max = MAX_NESTING_DEPTH): TextProblem | undefined {
  const stack: Array<{ node: CstNode; depth: number; path: string }> = [];
  for (const token of new Parser().parse(text)) {
    const doc = token as CstNode;
    if (doc.type === 'document' && doc.value) stack.push({ node: doc.value, depth: 0, path: '' });
  }
  while (stack.length > 0) {
    const { node, depth, path } = stack.pop() as { node: CstNode; depth: number; path: string };
    if (!node.items) continue;
    if (depth + 1 > max) return nestingProblem(path, max, positionOf(text, node.offset ?? 0).line);
    const isSeq = node.type === 'block-seq' || (node.type === 'flow-collection' && text[node.offset ?? 0] === '[');
    node.items.forEach((item, i) => {
      const key = item.key ? scalarText(item.key) : undefined;
      const childPath = isSeq && item.key == null ? `${path}[${i}]` : key !== undefined ? joinKey(path, key) : `${path}[${i}]`;
      if (item.key) stack.push({ node: item.key, depth: depth + 1, path: childPath });
      if (item.value) stack.push({ node: item.value, depth: depth + 1, path: childPath });
    });
  }
  return undefined;
}

function scalarText(node: CstNode): string | undefined {
  if (typeof node.source !== 'string') return undefined;
  return node.type === 'double-quoted-scalar' || node.type === 'single-quoted-scalar' ? node.source.slice(1, -1) : node.source;
}
