// Checks that the names an expression reads exist where it runs: `inputs.x` and `vars.x` that
// are declared, `outputs.x` of a task that has run by then (flow order, branches, foreach
// scopes), and `item`/`index` only inside a foreach.

import type { ValidationProblem } from '../errors.js';
import type { ExpressionFacts } from '../expressions/references.js';
import { closest } from './suggest.js';

/**
 * Where a task sits: the container tasks around it (outermost first) and, level by level, the
 * list and index it is in. `slots[0]` is the root section (tasks, errors or finally);
 * `slots[k]` the list field of `ancestors[k - 1]` (`then`, `cases.fast`, ...).
 */
export interface TaskPlace {
  id: string;
  type: string;
  ancestors: ReadonlyArray<{ id: string; type: string }>;
  slots: ReadonlyArray<{ list: string; index: number }>;
}

/** What an expression belongs to: a task's field, one var (in written order), or the flow's outputs. */
export type Reader = { kind: 'task'; place: TaskPlace } | { kind: 'vars'; name: string } | { kind: 'outputs' };

/** What the whole flow declares, for resolving names. */
export interface FlowNames {
  tasks: ReadonlyMap<string, TaskPlace>;
  inputs: ReadonlySet<string>;
  /** Var names in the order they are computed. */
  vars: readonly string[];
}

const ROOT_SECTIONS = ['tasks', 'errors', 'finally'];

/** Problems of one expression's references, at `path`. */
export function referenceProblems(facts: ExpressionFacts, path: string, reader: Reader, names: FlowNames): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  for (const ref of new Set(facts.outputRefs)) {
    const problem = outputProblem(ref, path, reader, names);
    if (problem) problems.push(problem);
  }
  for (const ref of new Set(facts.inputRefs)) {
    if (names.inputs.has(ref)) continue;
    const guess = closest(ref, names.inputs);
    problems.push({
      path,
      message: `${path} reads inputs.${ref}, but the flow declares no input "${ref}"`,
      hint: guess
        ? `did you mean "inputs.${guess}"?`
        : names.inputs.size
          ? `inputs of this flow: ${[...names.inputs].join(', ')}`
          : `declare it: inputs: [{ id: ${ref}, type: string }]`,
    });
  }
  for (const ref of new Set(facts.varRefs)) {
    const problem = varProblem(ref, path, reader, names.vars);
    if (problem) problems.push(problem);
  }
  const inForeach = reader.kind === 'task' && reader.place.ancestors.some((a) => a.type === 'foreach');
  for (const local of new Set(facts.locals)) {
    if (local === 'error' || inForeach) continue;
    problems.push({
      path,
      message: `${path} reads ${local}, which exists only in the tasks of a foreach`,
      hint: "item is the current element and index its position (from 0), only in a foreach's tasks; its own items field is evaluated outside it",
    });
  }
  return problems;
}

function varProblem(ref: string, path: string, reader: Reader, vars: readonly string[]): ValidationProblem | undefined {
  const at = vars.indexOf(ref);
  if (at < 0) {
    const guess = closest(ref, vars);
    return {
      path,
      message: `${path} reads vars.${ref}, but vars holds no "${ref}"`,
      hint: guess ? `did you mean "vars.${guess}"?` : vars.length ? `vars of this flow: ${vars.join(', ')}` : `declare it: vars: { ${ref}: "{{ ... }}" }`,
    };
  }
  if (reader.kind === 'vars' && at >= vars.indexOf(reader.name)) {
    return {
      path,
      message: `${path} reads vars.${ref}, which is not computed yet when vars.${reader.name} is`,
      hint: 'vars are computed in the order written, and each may read only the vars above it',
    };
  }
  return undefined;
}

function outputProblem(ref: string, path: string, reader: Reader, names: FlowNames): ValidationProblem | undefined {
  const target = names.tasks.get(ref);
  if (!target) {
    const ids = [...names.tasks.keys()];
    const guess = closest(ref, ids);
    return {
      path,
      message: `${path} reads outputs.${ref}, but no task has the id "${ref}"`,
      hint: guess ? `did you mean "outputs.${guess}"?` : `task ids in this flow: ${ids.slice(0, 30).join(', ')}`,
    };
  }
  const order = 'a task reads only the outputs of tasks that ran before it, in flow order';
  if (reader.kind === 'vars') {
    return {
      path,
      message: `${path} reads outputs.${ref}, but vars are computed before any task runs`,
      hint: 'compute the value in a set task and read it from there',
    };
  }
  const place = reader.kind === 'task' ? reader.place : undefined;
  const scope = closedScope(target, place);
  if (place?.id === ref)
    return { path, message: `${path} reads outputs.${ref}, the output of its own task, which exists only once the task ends`, hint: order };
  if (place?.ancestors.some((a) => a.id === ref)) {
    return { path, message: `${path} reads outputs.${ref}, but this task runs inside ${ref}, which has no output until it ends`, hint: order };
  }
  if (place && target.ancestors.some((a) => a.id === place.id)) {
    return { path, message: `${path} reads outputs.${ref}, but ${ref} runs inside this task, after this field is evaluated`, hint: order };
  }
  if (scope?.type === 'foreach') {
    return {
      path,
      message: `${path} reads outputs.${ref}, but ${ref} runs inside foreach ${scope.id} and is read here from outside it`,
      hint: `outside ${scope.id}, read its iterations: outputs.${scope.id}.iterations.map(i, i.${ref})`,
    };
  }
  if (scope) {
    return {
      path,
      message: `${path} reads outputs.${ref}, but ${ref} runs in errors, whose outputs only the later tasks of errors see`,
      hint: 'read it from a later task of errors',
    };
  }
  if (!place) return undefined;
  return orderProblem(ref, path, place, target, order);
}

/** The innermost scope around `target` whose outputs `reader` cannot see: a foreach, or the errors section. */
function closedScope(target: TaskPlace, reader: TaskPlace | undefined): { id: string; type: string } | undefined {
  const around = new Set(reader?.ancestors.map((a) => a.id));
  const foreach = target.ancestors.find((a) => a.type === 'foreach' && !around.has(a.id) && a.id !== reader?.id);
  if (foreach) return foreach;
  // Read from tasks, errors tasks are later tasks (the order check says so); finally and the outputs do not see them.
  const section = reader?.slots[0]?.list;
  if (target.slots[0]?.list === 'errors' && (section === undefined || section === 'finally')) return { id: 'errors', type: 'errors' };
  return undefined;
}

function orderProblem(ref: string, path: string, reader: TaskPlace, target: TaskPlace, order: string): ValidationProblem | undefined {
  // Neither holds the other, so their places part at some level below a common container.
  let level = 0;
  while (
    level < reader.slots.length &&
    level < target.slots.length &&
    reader.slots[level]?.list === target.slots[level]?.list &&
    reader.slots[level]?.index === target.slots[level]?.index
  ) {
    level += 1;
  }
  const mine = reader.slots[level];
  const theirs = target.slots[level];
  if (!mine || !theirs) return undefined;
  const container = level === 0 ? undefined : reader.ancestors[level - 1];
  const later = { path, message: `${path} reads outputs.${ref}, but ${ref} runs after this task`, hint: order };
  if (mine.list !== theirs.list) {
    // The root sections run in order; the branches of an if or a switch exclude each other.
    return !container && ROOT_SECTIONS.indexOf(theirs.list) > ROOT_SECTIONS.indexOf(mine.list) ? later : undefined;
  }
  if (container?.type === 'parallel') {
    return {
      path,
      message: `${path} reads outputs.${ref}, but ${ref} runs in another branch of parallel ${container.id}, at the same time`,
      hint: `read it after ${container.id}, or put both tasks in one branch (a sequence)`,
    };
  }
  return theirs.index > mine.index ? later : undefined;
}
