// Splits a template string into literal text and `{{ expr }}` parts, per the flow spec:
// a string that is exactly one `{{ expr }}` is a typed value; anything else is text.
// `\{{` writes a literal `{{`. Pure, used by validation and by the workflow.

/** One piece of a parsed template: literal text or an expression. */
export type TemplatePart = { text: string } | { expr: string };

/** A parsed template: a plain literal, one whole expression (typed value), or text with parts. */
export type Template = { kind: 'literal'; value: string } | { kind: 'value'; expr: string } | { kind: 'text'; parts: TemplatePart[] };

/** Longest expression accepted inside one `{{ }}`, in characters. */
export const MAX_EXPRESSION_LENGTH = 4096;

/** Thrown by parseTemplate for an unclosed `{{` or an oversized expression; carries the reason only. */
export class TemplateSyntaxError extends Error {}

/** True when the string contains a `{{` that is not escaped. Cheap pre-check before parsing. */
export function hasExpression(text: string): boolean {
  let from = 0;
  for (;;) {
    const at = text.indexOf('{{', from);
    if (at < 0) return false;
    if (at === 0 || text[at - 1] !== '\\') return true;
    from = at + 2;
  }
}

/** Parses a template; throws TemplateSyntaxError for an unclosed `{{` or an empty expression. */
export function parseTemplate(text: string): Template {
  if (!text.includes('{{')) return { kind: 'literal', value: text };
  const parts: TemplatePart[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('\\{{', i)) {
      literal += '{{';
      i += 3;
      continue;
    }
    if (text.startsWith('{{', i)) {
      const end = findClose(text, i + 2);
      if (end < 0) throw new TemplateSyntaxError(`unclosed "{{" at character ${i + 1}; close it with "}}" or write "\\{{" for a literal`);
      const expr = text.slice(i + 2, end).trim();
      if (expr.length === 0) throw new TemplateSyntaxError(`empty expression "{{ }}" at character ${i + 1}`);
      if (expr.length > MAX_EXPRESSION_LENGTH) {
        throw new TemplateSyntaxError(`expression is ${expr.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}`);
      }
      if (literal) parts.push({ text: literal });
      literal = '';
      parts.push({ expr });
      i = end + 2;
      continue;
    }
    literal += text[i];
    i += 1;
  }
  if (literal) parts.push({ text: literal });
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only && 'expr' in only) return { kind: 'value', expr: only.expr };
  if (parts.length === 3 && isBlank(parts[0]) && isBlank(parts[2]) && parts[1] && 'expr' in parts[1]) {
    return { kind: 'value', expr: parts[1].expr };
  }
  if (parts.length === 2) {
    const [a, b] = parts;
    if (a && b && 'expr' in a && isBlank(b)) return { kind: 'value', expr: a.expr };
    if (a && b && isBlank(a) && 'expr' in b) return { kind: 'value', expr: b.expr };
  }
  if (parts.every((p) => 'text' in p)) return { kind: 'literal', value: parts.map((p) => ('text' in p ? p.text : '')).join('') };
  return { kind: 'text', parts };
}

function isBlank(part: TemplatePart | undefined): boolean {
  return part !== undefined && 'text' in part && part.text.trim() === '';
}

// Finds the `}}` that closes an expression, skipping string literals so `"}}"` inside CEL works.
function findClose(text: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\') i += 1;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '}' && text[i + 1] === '}') return i;
  }
  return -1;
}
