// Which MCP tools a caller may see and call: the least scope each tool needs, whether it
// mutates (audited, hidden in read-only mode), and the rules for scripts and namespaces.

import { WeftError } from '../../core/errors.js';
import type { RunRights } from '../../core/runs/run-types.js';
import type { FlowSpec } from '../../core/spec/flow-spec.js';
import { scriptTaskPaths } from '../../core/spec/flow-tasks.js';
import { type Caller, callerLabel, LOCAL, type Scope, scopeAllows } from './principal.js';

export interface ToolRule {
  /** The least scope that may see and call the tool. */
  scope: Scope;
  /** Whether the tool changes anything: mutating calls are audited and hidden by `--read-only`. */
  mutates: boolean;
}

/**
 * Every tool of the MCP surface (docs: /work/shared/spec/mcp-tools.md) and its rule.
 * - Reading and checking (`validate_flow` saves nothing) need `read`.
 * - `draft_flow` saves nothing but spends model tokens, so it needs `run`.
 * - Saving a flow, starting, cancelling a run and answering an approval need `run`: they are
 *   the daily work of an agent, and all of them can be undone or leave history behind.
 * - `delete_flow` needs `admin`: it is the one destructive change to definitions.
 */
export const TOOL_RULES = {
  list_task_types: { scope: 'read', mutates: false },
  validate_flow: { scope: 'read', mutates: false },
  list_flows: { scope: 'read', mutates: false },
  get_flow: { scope: 'read', mutates: false },
  get_run: { scope: 'read', mutates: false },
  list_runs: { scope: 'read', mutates: false },
  query_logs: { scope: 'read', mutates: false },
  list_triggers: { scope: 'read', mutates: false },
  draft_flow: { scope: 'run', mutates: false },
  save_flow: { scope: 'run', mutates: true },
  run_flow: { scope: 'run', mutates: true },
  cancel_run: { scope: 'run', mutates: true },
  // A restart starts a run, like run_flow.
  restart_run: { scope: 'run', mutates: true },
  respond_to_approval: { scope: 'run', mutates: true },
  // Pausing or backfilling starts or stops runs, like run_flow and cancel_run.
  operate_trigger: { scope: 'run', mutates: true },
  delete_flow: { scope: 'admin', mutates: true },
  list_limits: { scope: 'read', mutates: false },
  // A named limit is shared by every namespace, so only admin keys change it.
  set_limit: { scope: 'admin', mutates: true },
  // Namespace files, like flows, are a namespace's daily work; writing them also needs script rights (mcp/tools/file-tools.ts).
  manage_files: { scope: 'run', mutates: true },
} as const satisfies Record<string, ToolRule>;

export type ToolName = keyof typeof TOOL_RULES;

/**
 * A tool missing from the table is treated as mutating and admin-only, so that a new tool is
 * never shown to a lesser key, nor in read-only mode, before someone decides its rule.
 */
const UNKNOWN_TOOL_RULE: ToolRule = { scope: 'admin', mutates: true };

export function toolRule(tool: string): ToolRule {
  return Object.hasOwn(TOOL_RULES, tool) ? TOOL_RULES[tool as ToolName] : UNKNOWN_TOOL_RULE;
}

/** Whether a call to `tool` changes anything (and is written to the audit log). */
export function toolMutates(tool: string): boolean {
  return toolRule(tool).mutates;
}

/** Server-wide switches, from `weft mcp` options. */
export interface ToolPolicyOptions {
  /** Only tools that do not mutate are visible (`--read-only`). Default false. */
  readOnly?: boolean;
  /** Tools switched off by name (`--disable-tool`), for every caller. */
  disabledTools?: Iterable<string>;
}

/**
 * Whether `caller` may see (and so call) `tool`. The local user sees every tool, as any key
 * does whose scope is high enough; read-only mode and disabled tools apply to everyone.
 */
export function toolVisible(caller: Caller, tool: string, options: ToolPolicyOptions = {}): boolean {
  const rule = toolRule(tool);
  if (options.readOnly && rule.mutates) return false;
  if (options.disabledTools && new Set(options.disabledTools).has(tool)) return false;
  return caller === LOCAL || scopeAllows(caller.scope, rule.scope);
}

/** Whether `caller` may save or run flows with `script` tasks: local, admin, or `--allow-scripts`. */
export function mayUseScripts(caller: Caller): boolean {
  return caller === LOCAL || caller.scope === 'admin' || caller.allowScripts;
}

/** Whether `caller` may touch flows and runs of `namespace`: a key bound to one namespace touches only that one. */
export function namespaceAllowed(caller: Caller, namespace: string): boolean {
  return caller === LOCAL || caller.namespace === undefined || caller.namespace === namespace;
}

/** Thrown when a caller may not save or run a flow with `script` tasks. */
export class ScriptsNotAllowedError extends WeftError {
  constructor(
    readonly caller: string,
    readonly flow: string,
  ) {
    super('SCRIPTS_NOT_ALLOWED', `flow ${flow} has script tasks, which ${caller} may not save or run`, {
      hint: 'use an admin key or one created with `weft apikey create --allow-scripts`',
    });
  }
}

/** Thrown when a caller bound to one namespace reaches for another. */
export class NamespaceNotAllowedError extends WeftError {
  constructor(
    readonly caller: string,
    readonly namespace: string,
    readonly allowed: string,
  ) {
    // The hint speaks to an untrusted caller: it names what the caller may touch, never the
    // namespace it reached for nor a wider key to ask for.
    super('NAMESPACE_NOT_ALLOWED', `namespace ${namespace} is not allowed for ${caller}: it may touch only ${allowed}`, {
      hint: `use flows, runs and secrets of namespace ${allowed}`,
    });
  }
}

/** Throws ScriptsNotAllowedError unless `caller` may use scripts or the flow has none. */
export function assertScriptsAllowed(caller: Caller, flow: string, hasScripts: boolean): void {
  if (hasScripts && !mayUseScripts(caller)) throw new ScriptsNotAllowedError(callerLabel(caller), flow);
}

/** Throws NamespaceNotAllowedError unless `caller` may touch `namespace`. */
export function assertNamespaceAllowed(caller: Caller, namespace: string): void {
  if (!namespaceAllowed(caller, namespace)) throw new NamespaceNotAllowedError(callerLabel(caller), namespace, (caller as { namespace: string }).namespace);
}

/** What one MCP session may do, decided once when it starts (the shape of mcp/access.ts). */
export interface SessionPolicy {
  caller: string;
  toolVisible(tool: string): boolean;
  scriptsAllowed: boolean;
  namespace?: string;
}

/** The policy of a session for `caller` under the server's switches. */
export function sessionPolicy(caller: Caller, options: ToolPolicyOptions = {}): SessionPolicy {
  const disabledTools = new Set(options.disabledTools ?? []);
  const readOnly = options.readOnly ?? false;
  return {
    caller: callerLabel(caller),
    toolVisible: (tool) => toolVisible(caller, tool, { readOnly, disabledTools }),
    scriptsAllowed: mayUseScripts(caller),
    ...(caller !== LOCAL && caller.namespace !== undefined ? { namespace: caller.namespace } : {}),
  };
}

/**
 * The rights a run started by `caller` hands down to its subflows: undefined when the caller is
 * unrestricted (the local user, or a key with no namespace that may use scripts).
 */
export function runRightsOf(caller: { caller: string; namespace?: string; scriptsAllowed: boolean }): RunRights | undefined {
  if (caller.namespace === undefined && caller.scriptsAllowed) return undefined;
  return { caller: caller.caller, ...(caller.namespace !== undefined ? { namespace: caller.namespace } : {}), scripts: caller.scriptsAllowed };
}

/** Thrown when a subflow of a run would do what the starter of the run may not. */
export class SubflowNotAllowedError extends WeftError {
  constructor(
    readonly caller: string,
    readonly subflow: string,
    reason: string,
    hint: string,
  ) {
    super('SUBFLOW_NOT_ALLOWED', `subflow ${subflow} is not allowed for ${caller}, who started this run: ${reason}`, { hint });
  }
}

/**
 * Throws unless a run holding `rights` may run `flow`: the caller's namespace and script rights
 * apply to every run of the tree. `subflow` says the flow is reached through a subflow task.
 */
export function assertRunRights(flow: FlowSpec, rights: RunRights | undefined, subflow = false): void {
  if (!rights) return;
  const ref = `${flow.namespace}/${flow.id}`;
  if (rights.namespace !== undefined && flow.namespace !== rights.namespace) {
    if (!subflow) throw new NamespaceNotAllowedError(rights.caller, flow.namespace, rights.namespace);
    throw new SubflowNotAllowedError(
      rights.caller,
      ref,
      `it is in namespace ${flow.namespace}, and runs started by ${rights.caller} may run flows of namespace ${rights.namespace} only`,
      `call only flows of namespace ${rights.namespace} from this flow`,
    );
  }
  const scripts = scriptTaskPaths(flow);
  if (scripts.length > 0 && !rights.scripts) {
    if (!subflow) throw new ScriptsNotAllowedError(rights.caller, ref);
    throw new SubflowNotAllowedError(
      rights.caller,
      ref,
      `${scripts[0]} is a script task, and runs started by ${rights.caller} may not run script tasks`,
      'use http tasks in the subflow instead, or start the run with an admin key or one created with --allow-scripts',
    );
  }
}
