// Parses flow text (YAML or JSON) and validates it, attaching line numbers to problems.

import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import type { ValidationProblem } from '../errors.js';
import { unicodeProblem, yamlNestingProblem } from './document-bounds.js';
import type { FlowSpec } from './flow-spec.js';
import { FLOW_LIMITS } from './limits.js';
import { validateFlow } from './validate-flow.js';
import { type PositionedProblem, unquotedTemplateProblems, yamlSyntaxProblems } from './yaml-problems.js';

/** A validation problem with the 1-based line of the document where it points, when known. */
export type LocatedProblem = PositionedProblem;

export type ParsedFlow = { valid: true; flow: FlowSpec } | { valid: false; problems: LocatedProblem[] };

/** Parses and validates flow text. YAML is a superset of JSON, so one parser serves both. */
export function parseFlow(text: string): ParsedFlow {
  const unicode = unicodeProblem(text);
  if (unicode) return { valid: false, problems: [unicode] };
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > FLOW_LIMITS.maxDocumentBytes) {
    return {
      valid: false,
      problems: [{ path: '', message: `the flow document is ${bytes} bytes; the limit is ${FLOW_LIMITS.maxDocumentBytes}`, hint: 'split it into subflows' }],
    };
  }
  // The composer recurses per level: bound the depth on the parser's tokens before it runs.
  const deep = yamlNestingProblem(text);
  if (deep) return { valid: false, problems: [deep] };
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) return { valid: false, problems: yamlSyntaxProblems(doc.errors, text, lines) };
  // Before toJS, which would turn such a map's key into "[object Object]"-like text.
  const unquoted = unquotedTemplateProblems(doc, lines);
  if (unquoted.length > 0) return { valid: false, problems: unquoted };
  let document: unknown;
  try {
    document = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
  } catch (error) {
    // The composer refuses aliases that expand past the count (a "billion laughs" document).
    return { valid: false, problems: [aliasProblem(error)] };
  }
  const result = validateFlow(document);
  if (result.valid) return result;
  return { valid: false, problems: result.problems.map((p) => locate(p, doc, lines)) };
}

/** Most nodes the aliases (`*name`) of one document may expand to, counted by the YAML library. */
const MAX_ALIAS_EXPANSION = 100;

function aliasProblem(error: unknown): LocatedProblem {
  if (!(error instanceof ReferenceError)) {
    return { path: '', message: `the document cannot be read: ${error instanceof Error ? error.message : String(error)}` };
  }
  return {
    path: '',
    message: `the document's aliases (*name) expand to more than ${MAX_ALIAS_EXPANSION} nodes, which is refused as a resource exhaustion attack ("billion laughs")`,
    hint: 'write the repeated values out, or compute them once in vars and refer to them with {{ vars.name }}',
  };
}

function locate(problem: ValidationProblem, doc: ReturnType<typeof parseDocument>, lines: LineCounter): LocatedProblem {
  const segments = splitPath(problem.path);
  // Walk down as far as the document goes, so an unknown field still points at its parent.
  let node: unknown = doc.contents;
  let found: unknown = node;
  for (const segment of segments) {
    if (isMap(node)) node = node.get(segment, true);
    else if (isSeq(node) && typeof segment === 'number') node = node.get(segment, true);
    else break;
    if (node === undefined) break;
    found = node;
  }
  const range = (found as { range?: [number, number, number] } | undefined)?.range;
  if (!range) return problem;
  return { ...problem, line: lines.linePos(range[0]).line };
}

function splitPath(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) out.push(Number(match[2]));
    else if (match[1] !== undefined) out.push(match[1]);
  }
  return out;
}
