// An `mcp` task's arguments against its tool's inputSchema (JSON Schema, checked with ajv). At
// validation the arguments may still hold templates: a templated value is known only at run
// time, so problems at or under it are left to the run, where the rendered arguments are checked
// again before the call.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ValidationProblem } from '../../core/errors.js';

const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false });
const compiled = new WeakMap<object, ValidateFunction | null>();
/** Most problems reported for one task's arguments. */
const MAX_PROBLEMS = 20;

/**
 * Problems of `args` against `schema`, each with a path under `at` (e.g. `tasks[2].arguments.path`).
 * A schema ajv cannot compile checks nothing (the server checks the call itself).
 */
export function argumentProblems(schema: unknown, args: Record<string, unknown>, at: string): ValidationProblem[] {
  const validate = validatorOf(schema);
  if (!validate || validate(args)) return [];
  const templated = templatedPointers(args, '');
  const problems: ValidationProblem[] = [];
  for (const error of validate.errors ?? []) {
    const pointer = pointerOf(error);
    if ([...templated].some((t) => pointer === t || pointer.startsWith(`${t}/`))) continue;
    // `required` and `additionalProperties` of a templated parent are not known yet either.
    if (error.instancePath && [...templated].some((t) => error.instancePath === t)) continue;
    problems.push({ path: `${at}${pathOf(pointer)}`, message: messageOf(error), ...hintOf(error) });
    if (problems.length >= MAX_PROBLEMS) break;
  }
  return problems;
}

function validatorOf(schema: unknown): ValidateFunction | null {
  if (schema === null || typeof schema !== 'object') return null;
  const known = compiled.get(schema);
  if (known !== undefined) return known;
  let validate: ValidateFunction | null;
  try {
    // The draft a server names ($schema) does not change what these checks mean here.
    const { $schema: _draft, ...rest } = schema as Record<string, unknown>;
    validate = ajv.compile(rest);
  } catch {
    validate = null;
  }
  compiled.set(schema, validate);
  return validate;
}

/** JSON pointers of the strings holding a template (`{{`), and of containers that are one. */
function templatedPointers(value: unknown, pointer: string, out = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    if (value.includes('{{')) out.add(pointer);
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) templatedPointers(v, `${pointer}/${i}`, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) templatedPointers(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
  }
  return out;
}

/** Where an error points: the missing or extra property itself, not its parent. */
function pointerOf(error: ErrorObject): string {
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const child = error.keyword === 'required' ? params.missingProperty : error.keyword === 'additionalProperties' ? params.additionalProperty : undefined;
  return child === undefined ? error.instancePath : `${error.instancePath}/${child}`;
}

/** `/a/0/b` as `.a[0].b`. */
function pathOf(pointer: string): string {
  if (!pointer) return '';
  return pointer
    .split('/')
    .slice(1)
    .map((raw) => {
      const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      return /^\d+$/.test(part) ? `[${part}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(part) ? `.${part}` : `[${JSON.stringify(part)}]`;
    })
    .join('');
}

function messageOf(error: ErrorObject): string {
  if (error.keyword === 'required') return "is required by the tool's input schema";
  if (error.keyword === 'additionalProperties') return 'is not an argument of the tool (its input schema allows no other properties)';
  return `${error.message ?? 'is invalid'} (tool input schema)`;
}

function hintOf(error: ErrorObject): { hint?: string } {
  if (error.keyword === 'enum') return { hint: `allowed: ${JSON.stringify((error.params as { allowedValues?: unknown }).allowedValues)}` };
  return {};
}
