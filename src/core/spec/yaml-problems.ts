// Problems of flow text that YAML reads differently from what was meant: syntax errors with
// their line, column and a hint, and an unquoted "{{ expr }}", which YAML reads as a map.

import { isMap, isPair, isScalar, isSeq, type LineCounter, type parseDocument, type YAMLError } from 'yaml';
import type { ValidationProblem } from '../errors.js';

/**
 * A problem with the 1-based line of the document where it points, when known. The column is
 * told in the message only: the problem shape of the API and MCP contracts has no field for it.
 */
export type PositionedProblem = ValidationProblem & { line?: number };

type YamlDocument = ReturnType<typeof parseDocument>;

const QUOTE_HINT = 'YAML reads an unquoted "{{ ... }}" as a map: quote the value, e.g. message: "{{ inputs.name }}"';

/** One problem per syntax error, each pointing at its line and column. */
export function yamlSyntaxProblems(errors: readonly YAMLError[], text: string, positions: LineCounter): PositionedProblem[] {
  const lines = text.split('\n');
  return errors.map((error) => {
    const at = error.linePos?.[0] ?? positions.linePos(error.pos[0]);
    const source = lines[at.line - 1] ?? '';
    const where = ` at line ${at.line}, column ${at.col}`;
    return {
      path: '',
      message: `the document is not valid YAML or JSON${where}: ${error.message.split('\n')[0]}`,
      hint: hasUnquotedTemplate(source) ? QUOTE_HINT : syntaxHint(error.code),
      line: at.line,
    };
  });
}

/** Values written as an unquoted `{{ ... }}`: YAML reads them as a map whose key is a map. */
export function unquotedTemplateProblems(doc: YamlDocument, lines: LineCounter): PositionedProblem[] {
  const found: PositionedProblem[] = [];
  const visit = (node: unknown, path: string): void => {
    if (isMap(node)) {
      if (node.items.some((pair) => isMap(pair.key) || isSeq(pair.key))) {
        const offset = node.range?.[0];
        const at = offset === undefined ? undefined : lines.linePos(offset);
        found.push({
          path,
          message: `${path || 'the document'} is a map where text was meant${at ? ` (line ${at.line}, column ${at.col})` : ''}: an unquoted "{{ ... }}" is a YAML map`,
          hint: QUOTE_HINT,
          ...(at ? { line: at.line } : {}),
        });
        return;
      }
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        visit(pair.value, path ? `${path}.${key}` : key);
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) visit(item, `${path}[${i}]`);
    }
  };
  visit(doc.contents, '');
  return found;
}

// An unquoted "{{" outside quotes on the line where the parser stopped.
function hasUnquotedTemplate(line: string): boolean {
  const unquoted = line.replace(/"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'/g, '');
  return unquoted.includes('{{');
}

function syntaxHint(code: string): string {
  switch (code) {
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation there (spaces, not tabs; items of one list or map line up) and that every "[" and "{" is closed';
    case 'DUPLICATE_KEY':
      return 'a map holds each key once: remove or rename the second one';
    case 'UNEXPECTED_TOKEN':
      return 'a value with ":" or "#" or that starts with "{", "[", "*", "&" or "!" must be quoted';
    default:
      return 'check the indentation, the quotes and the brackets there';
  }
}
