// Validates a parsed flow document against spec version 1 and reports every problem at once:
// structure (zod), ids, task types, and expressions checked on their CEL AST.

import { z } from 'zod';
import type { ValidationProblem } from '../errors.js';
import { analyzeExpression } from '../expressions/references.js';
import { parseTemplate, TemplateSyntaxError } from '../expressions/template.js';
import { allTaskTypeNames, isKnownTaskType, taskSchema, taskTypeOf } from '../task-types/registry.js';
import { type FlowNames, type Reader, referenceProblems, type TaskPlace } from './flow-references.js';
import type { FlowSpec } from './flow-spec.js';
import { inputDefaultProblems } from './input-defaults.js';
import { FLOW_LIMITS } from './limits.js';
import { valueNestingProblem } from './nesting-depth.js';
import {
  COMMON_TASK_FIELD_NAMES,
  CONTROL_FIELDS,
  ConcurrencyConfig,
  DurationText,
  FLOW_ID_PATTERN,
  FlowInput,
  NAMESPACE_PATTERN,
  QueueName,
  RetryPolicy,
} from './schemas.js';
import { closest } from './suggest.js';
import { triggerProblems } from './triggers.js';
import { problemsFromZod } from './zod-problems.js';

const FlowRoot = z.strictObject({
  id: z.string().regex(FLOW_ID_PATTERN, 'must match ^[a-z0-9][a-z0-9_-]{0,63}$ (lowercase letters, digits, "_" and "-")'),
  namespace: z.string().regex(NAMESPACE_PATTERN, 'must match ^[a-z0-9][a-z0-9_.-]{0,127}$').default('default'),
  description: z.string().max(10_000).optional(),
  labels: z.record(z.string().max(128), z.string().max(1024)).optional(),
  inputs: z.array(z.unknown()).max(200).optional(),
  vars: z.record(z.string(), z.unknown()).optional(),
  tasks: z.array(z.unknown()).min(1, 'must hold at least one task'),
  errors: z.array(z.unknown()).optional(),
  finally: z.array(z.unknown()).optional(),
  outputs: z.record(z.string(), z.unknown()).optional(),
  retry: RetryPolicy.optional(),
  timeout: DurationText.optional(),
  triggers: z.array(z.unknown()).optional(),
  concurrency: ConcurrencyConfig.optional(),
  queue: QueueName.optional(),
});
const ROOT_FIELDS = Object.keys(FlowRoot.shape);

/** Result of validation: the typed flow, or every problem found. */
export type FlowValidation = { valid: true; flow: FlowSpec } | { valid: false; problems: ValidationProblem[] };

interface TemplateSite {
  path: string;
  text: string;
  secretAllowed: boolean;
  reader: Reader;
}

interface Walk {
  problems: ValidationProblem[];
  ids: Map<string, string>;
  /** Where each task sits, for checking that what an expression reads has run by then. */
  places: Map<string, TaskPlace>;
  templates: TemplateSite[];
  taskCount: number;
}

const ROOT_PLACE: TaskPlace = { id: '', type: 'root', ancestors: [], slots: [] };

/** Validates a parsed document (from YAML or JSON). Never throws for bad input. */
export function validateFlow(document: unknown): FlowValidation {
  const walk: Walk = { problems: [], ids: new Map(), places: new Map(), templates: [], taskCount: 0 };
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    return {
      valid: false,
      problems: [{ path: '', message: 'a flow must be a map with at least id and tasks', hint: 'start from: id: my-flow\\ntasks: [...]' }],
    };
  }
  // Schema checks recurse per level: a document that did not come through parseFlow is bounded here.
  const deep = valueNestingProblem(document);
  if (deep) return { valid: false, problems: [deep] };
  const root = FlowRoot.safeParse(document, { reportInput: true });
  if (!root.success) walk.problems.push(...problemsFromZod(root.error.issues, '', ROOT_FIELDS, 'a flow'));
  const doc = document as Record<string, unknown>;
  const inputIds = validateInputs(doc.inputs, walk);
  for (const list of ['tasks', 'errors', 'finally'] as const) {
    if (Array.isArray(doc[list])) walkTaskList(doc[list], list, 1, walk, ROOT_PLACE);
  }
  if (walk.taskCount > FLOW_LIMITS.maxTasks) {
    walk.problems.push({
      path: 'tasks',
      message: `tasks holds ${walk.taskCount} tasks in all; the limit is ${FLOW_LIMITS.maxTasks}`,
      hint: 'split the flow into subflows',
    });
  }
  const vars = isMap(doc.vars) ? doc.vars : {};
  for (const [name, value] of Object.entries(vars)) collectTemplates(value, `vars.${name}`, false, { kind: 'vars', name }, walk.templates);
  collectTemplates(doc.outputs, 'outputs', false, { kind: 'outputs' }, walk.templates);
  // The key is rendered before vars, from the run's inputs: it decides whether the run may start.
  if (isMap(doc.concurrency)) collectTemplates(doc.concurrency.key, 'concurrency.key', false, { kind: 'vars', name: '' }, walk.templates);
  checkTemplates(walk, inputIds, Object.keys(vars));
  walk.problems.push(...triggerProblems(doc.triggers, Array.isArray(doc.inputs) ? doc.inputs.filter(isMap).map((i) => i as FlowInput) : []));
  if (walk.problems.length > 0) return { valid: false, problems: walk.problems };
  const flow = (root as { data: FlowSpec }).data;
  return { valid: true, flow: { ...(document as FlowSpec), namespace: flow.namespace } };
}

function validateInputs(inputs: unknown, walk: Walk): Set<string> {
  const ids = new Set<string>();
  if (!Array.isArray(inputs)) return ids;
  inputs.forEach((raw, i) => {
    const path = `inputs[${i}]`;
    const parsed = FlowInput.safeParse(raw, { reportInput: true });
    if (!parsed.success) {
      walk.problems.push(...problemsFromZod(parsed.error.issues, path, Object.keys(FlowInput.shape), 'a flow input'));
      // Still declared: reads of it are not reported a second time as naming nothing.
      if (isMap(raw) && typeof raw.id === 'string') ids.add(raw.id);
      return;
    }
    if (ids.has(parsed.data.id)) walk.problems.push({ path: `${path}.id`, message: `${path}.id "${parsed.data.id}" is already used by another input` });
    ids.add(parsed.data.id);
    walk.problems.push(...inputDefaultProblems(parsed.data, path));
  });
  return ids;
}

function walkTaskList(list: unknown[], path: string, depth: number, walk: Walk, parent: TaskPlace, field = path): void {
  if (depth > FLOW_LIMITS.maxDepth) {
    walk.problems.push({ path, message: `${path} nests task lists deeper than ${FLOW_LIMITS.maxDepth} levels`, hint: 'move inner parts into a subflow' });
    return;
  }
  for (const [i, task] of list.entries()) walkTask(task, `${path}[${i}]`, depth, walk, parent, { list: field, index: i });
}

function walkTask(raw: unknown, path: string, depth: number, walk: Walk, parent: TaskPlace, slot: TaskPlace['slots'][number]): void {
  walk.taskCount += 1;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    walk.problems.push({ path, message: `${path} must be a task map with at least id and type` });
    return;
  }
  const task = raw as Record<string, unknown>;
  const place: TaskPlace = {
    id: typeof task.id === 'string' ? task.id : '',
    ancestors: parent.slots.length ? [...parent.ancestors, { id: parent.id, type: parent.type }] : [],
    slots: [...parent.slots, slot],
    type: String(task.type),
  };
  if (typeof task.id === 'string') {
    const first = walk.ids.get(task.id);
    if (first !== undefined) {
      walk.problems.push({
        path: `${path}.id`,
        message: `${path}.id "${task.id}" is already used at ${first}`,
        hint: 'task ids must be unique in the whole flow, nested tasks included',
      });
    } else {
      walk.ids.set(task.id, `${path}.id`);
      walk.places.set(task.id, place);
    }
  }
  if (!isKnownTaskType(task.type)) {
    const known = allTaskTypeNames();
    const guess = typeof task.type === 'string' ? closest(task.type, known) : undefined;
    const list = `valid task types: ${known.join(', ')}`;
    walk.problems.push({
      path: `${path}.type`,
      message: task.type === undefined ? `${path}.type is required` : `${path}.type ${JSON.stringify(task.type)} is not a task type`,
      hint: guess ? `did you mean "${guess}"? ${list}` : list,
    });
    return;
  }
  const type = task.type;
  const info = taskTypeOf(type);
  if (info.unavailable) walk.problems.push({ path: `${path}.type`, message: `${path}.type "${type}": ${info.unavailable}` });
  const allowed = [...COMMON_TASK_FIELD_NAMES, ...Object.keys(info.config)];
  const parsed = taskSchema(type).safeParse(task, { reportInput: true });
  if (!parsed.success)
    walk.problems.push(...problemsFromZod(parsed.error.issues, path, allowed, `${/^[aeiou]|^http$|^llm$/.test(type) ? 'an' : 'a'} ${type} task`));
  checkTypeRules(type, task, path, walk);
  for (const field of info.nested ?? []) {
    const nested = task[field];
    if (Array.isArray(nested)) walkTaskList(nested, `${path}.${field}`, depth + 1, walk, place, field);
  }
  for (const field of info.nestedMaps ?? []) {
    const map = task[field];
    if (map && typeof map === 'object' && !Array.isArray(map)) {
      for (const [key, nested] of Object.entries(map)) {
        if (Array.isArray(nested)) walkTaskList(nested, `${path}.${field}.${key}`, depth + 1, walk, place, `${field}.${key}`);
      }
    }
  }
  const skip = new Set<string>([
    'id',
    'type',
    'retry',
    'timeout',
    'cache',
    'allowFailure',
    'queue',
    ...(info.nested ?? []),
    ...(info.nestedMaps ?? []),
    ...(info.rawFields ?? []),
  ]);
  for (const [field, value] of Object.entries(task)) {
    if (skip.has(field)) continue;
    const secretAllowed = (info.secretFields as readonly string[] | undefined)?.includes(field) ?? false;
    collectTemplates(value, `${path}.${field}`, secretAllowed, { kind: 'task', place }, walk.templates);
  }
  // A cache key is rendered like the task's fields, but never with secrets: it is stored as it reads.
  const cache = task.cache as { key?: unknown } | undefined;
  if (cache && typeof cache === 'object') collectTemplates(cache.key, `${path}.cache.key`, false, { kind: 'task', place }, walk.templates);
}

function checkTypeRules(type: string, task: Record<string, unknown>, path: string, walk: Walk): void {
  walk.problems.push(...(taskTypeOf(type).check?.(task, path) ?? []));
  if (task.queue !== undefined && !takesQueue(type)) {
    const workers = allTaskTypeNames().filter((name) => taskTypeOf(name).activity || taskTypeOf(name).runsActivities);
    const containers = allTaskTypeNames().filter((name) => taskTypeOf(name).nested?.length || taskTypeOf(name).nestedMaps?.length);
    walk.problems.push({
      path: `${path}.queue`,
      message: `${path}.queue is not supported on ${type} tasks: they run no activity, so no worker group runs them${type === 'subflow' ? " (a subflow's tasks follow the queues of the flow it runs)" : ''}`,
      hint: `queue applies to ${workers.join(', ')} tasks, and on ${containers.join(', ')} as the default of their nested tasks; a flow-level queue is the default of every task`,
    });
  }
  if (task.cache !== undefined && !taskTypeOf(type).cacheable) {
    const cacheable = allTaskTypeNames().filter((name) => taskTypeOf(name).cacheable);
    walk.problems.push({
      path: `${path}.cache`,
      message: `${path}.cache is not supported on ${type} tasks`,
      hint: `cache applies to ${cacheable.join(', ')} tasks`,
    });
  }
}

/** Whether a task of this type may set `queue`: it runs activities, or holds tasks that may. */
function takesQueue(type: string): boolean {
  const info = taskTypeOf(type);
  return Boolean(info.activity || info.runsActivities || info.nested?.length || info.nestedMaps?.length);
}

function collectTemplates(value: unknown, path: string, secretAllowed: boolean, reader: Reader, out: TemplateSite[]): void {
  if (typeof value === 'string') {
    if (value.includes('{{')) out.push({ path, text: value, secretAllowed, reader });
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) collectTemplates(v, `${path}[${i}]`, secretAllowed, reader, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectTemplates(v, `${path}.${k}`, secretAllowed, reader, out);
  }
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function checkTemplates(walk: Walk, inputs: Set<string>, vars: string[]): void {
  const names: FlowNames = { tasks: walk.places, inputs, vars };
  for (const site of walk.templates) {
    let template: ReturnType<typeof parseTemplate>;
    try {
      template = parseTemplate(site.text);
    } catch (error) {
      if (!(error instanceof TemplateSyntaxError)) throw error;
      walk.problems.push({ path: site.path, message: `${site.path} ${error.message}` });
      continue;
    }
    const exprs = template.kind === 'value' ? [template.expr] : template.kind === 'text' ? template.parts.flatMap((p) => ('expr' in p ? [p.expr] : [])) : [];
    const field = site.path.split('.').pop() ?? '';
    if (template.kind === 'text' && (CONTROL_FIELDS as readonly string[]).includes(field)) {
      walk.problems.push({ path: site.path, message: `${site.path} must be a single "{{ expression }}", not text around one` });
    }
    for (const expr of exprs) checkExpression(expr, site, names, walk);
  }
}

function checkExpression(expr: string, site: TemplateSite, names: FlowNames, walk: Walk): void {
  const facts = analyzeExpression(expr);
  if (facts.problem) {
    walk.problems.push({
      path: site.path,
      message: `${site.path} has an invalid expression {{ ${expr} }}: ${facts.problem}`,
      ...(facts.hint ? { hint: facts.hint } : {}),
    });
  }
  walk.problems.push(...referenceProblems(facts, site.path, site.reader, names));
  if (facts.secrets.length > 0 && !site.secretAllowed) {
    walk.problems.push({
      path: site.path,
      message: `${site.path} calls secret(), which is not allowed in this field`,
      hint: 'secret() is allowed only in http url, headers, query, json and body, and in script env',
    });
  }
}
