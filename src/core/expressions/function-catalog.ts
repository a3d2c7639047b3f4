// The expression functions an author may call, read from the one CEL environment's own
// definitions, so the catalog agents see is the set the evaluator and the validator accept.

import { WeftError } from '../errors.js';
import { celEnvironment } from './cel-environment.js';

export interface ExpressionFunction {
  /** How it is called: `size`, `string.matches` (a method), `optional.of` (a namespace). */
  name: string;
  /** Every overload, written as an author writes the call, with its result type. */
  signatures: string[];
  description: string;
}

interface Definition {
  signature: string;
  name: string;
  description: string | null;
  receiverType: string | null;
}

/**
 * One line for each function the library defines without a description (its own built-ins).
 * Weft's own functions carry theirs where they are registered. Keyed by name: a function and a
 * method of one name mean the same thing. A test checks every defined name has a line here.
 */
const BUILTIN_DESCRIPTIONS: Readonly<Record<string, string>> = {
  dyn: 'the value with its type checked only at run time',
  type: 'the type of a value',
  bool: 'converts to bool ("true"/"false")',
  size: 'length of a string, bytes, list or map',
  bytes: 'converts to bytes',
  double: 'converts to double',
  int: 'converts to int (truncates a double)',
  uint: 'converts to unsigned int',
  string: 'converts to string',
  startsWith: 'whether the string starts with the argument',
  endsWith: 'whether the string ends with the argument',
  contains: 'whether the string contains the argument',
  lowerAscii: 'lower-cased ASCII letters',
  upperAscii: 'upper-cased ASCII letters',
  trim: 'without leading and trailing whitespace',
  indexOf: 'first index of the argument (from an optional start), or -1',
  lastIndexOf: 'last index of the argument, or -1',
  substring: 'characters from start to end (exclusive)',
  matches: 'whether the string matches the regular expression',
  split: 'parts between separators (at most n parts)',
  join: 'list of strings joined by an optional separator',
  json: 'bytes parsed as JSON',
  hex: 'bytes as hexadecimal text',
  base64: 'bytes as base64 text',
  at: 'the byte at an index',
  timestamp: 'timestamp from RFC 3339 text or Unix seconds',
  duration: 'duration from text such as "1h30m"',
  getDate: 'day of month, 1-based (optional timezone)',
  getDayOfMonth: 'day of month, 0-based (optional timezone)',
  getDayOfWeek: 'day of week, 0 = Sunday (optional timezone)',
  getDayOfYear: 'day of year, 0-based (optional timezone)',
  getFullYear: 'year (optional timezone)',
  getHours: 'hours (of a timestamp: optional timezone)',
  getMinutes: 'minutes',
  getSeconds: 'seconds',
  getMilliseconds: 'milliseconds',
  getMonth: 'month, 0 = January (optional timezone)',
  hasValue: 'whether the optional holds a value',
  value: 'the optional’s value (an error when empty)',
  none: 'an empty optional',
  of: 'an optional holding the value',
  or: 'this optional if it has a value, else the other',
  orValue: 'the optional’s value, else the fallback',
  has: 'whether a field or map key is present: has(outputs.a.b)',
  all: 'whether the predicate holds for every element: list.all(x, x > 0)',
  exists: 'whether the predicate holds for some element',
  exists_one: 'whether the predicate holds for exactly one element',
  map: 'each element transformed, optionally filtered: list.map(x, x * 2)',
  filter: 'the elements the predicate holds for',
  bind: 'binds a name to a value within an expression: cel.bind(n, 2, n * n)',
};

/** Type names as an author reads them, not as the library spells them internally. */
const TYPE_NAMES: ReadonlyArray<[RegExp, string]> = [
  [/google\.protobuf\.Timestamp/g, 'timestamp'],
  [/google\.protobuf\.Duration/g, 'duration'],
  [/OptionalNamespace/g, 'optional'],
  [/CelNamespace/g, 'cel'],
  [/map<dyn, dyn>/g, 'map'],
  [/list<dyn>/g, 'list'],
  [/optional<dyn>/g, 'optional'],
  // Macros take unevaluated arguments; name them as the author writes them.
  [/\.(all|exists|exists_one|map|filter|bind)\(ast, /g, '.$1(var, '],
  [/^has\(ast\)/, 'has(a.b)'],
  [/^secret\(ast\)/, 'secret(string)'],
  [/\bast\b/g, 'expr'],
];

function readable(text: string): string {
  return TYPE_NAMES.reduce((out, [pattern, name]) => out.replace(pattern, name), text);
}

/** Thrown at build time when the environment defines a function this catalog cannot describe. */
export class UndescribedFunctionError extends WeftError {
  constructor(name: string) {
    super('EXPRESSION_FUNCTION_UNDESCRIBED', `expression function ${name} has no description: the catalog lists only described functions`, {
      hint: 'pass { description } where the function is registered, or add a line to BUILTIN_DESCRIPTIONS',
    });
  }
}

let catalog: ExpressionFunction[] | undefined;

/** The expression functions, grouped by name, sorted; built once from the environment. */
export function expressionFunctions(): ExpressionFunction[] {
  if (catalog) return catalog;
  const definitions = (celEnvironment().getDefinitions() as { functions: Definition[] }).functions;
  const byName = new Map<string, ExpressionFunction>();
  for (const fn of definitions) {
    // `type(optional)` and `type(cel)` describe namespaces, not values an author holds.
    if (fn.name === 'type' && /Namespace\)/.test(fn.signature)) continue;
    const namespaced = fn.receiverType && /Namespace$/.test(fn.receiverType);
    const name = namespaced ? readable(`${fn.receiverType}.${fn.name}`) : fn.name;
    const description = fn.description ?? BUILTIN_DESCRIPTIONS[fn.name];
    if (!description) {
      throw new UndescribedFunctionError(name);
    }
    const entry = byName.get(name) ?? { name, signatures: [], description };
    entry.signatures.push(readable(fn.signature));
    byName.set(name, entry);
  }
  catalog = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  return catalog;
}
