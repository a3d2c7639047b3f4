// What one MCP session may do, decided once when the session starts: which tools it sees,
// whether it may save or run flows with `script` tasks, which namespaces it may touch, and
// where its mutating calls are audited.

/** One audit record as the tool layer reports it; the audit log adds who, when and how. */
export interface ToolAuditEntry {
  tool: string;
  arguments: unknown;
  outcome: 'ok' | 'error';
  errorCode?: string;
  summary?: string;
  runId?: string;
  flow?: string;
}

export interface McpAccess {
  /** Who is calling, for messages and the audit log (`local` on stdio and loopback dev). */
  caller: string;
  toolVisible(tool: string): boolean;
  /** Whether flows with `script` tasks may be saved or run in this session. */
  scriptsAllowed: boolean;
  /** The one namespace this session may touch; absent: all of them. */
  namespace?: string;
  audit?(entry: ToolAuditEntry): Promise<void>;
}

/** Full access: the person on this machine (stdio, or HTTP on loopback without keys). */
export function localAccess(options: { readOnly?: boolean; disabledTools?: readonly string[]; readTools?: ReadonlySet<string> } = {}): McpAccess {
  const disabled = new Set(options.disabledTools ?? []);
  return {
    caller: 'local',
    toolVisible: (tool) => !disabled.has(tool) && (!options.readOnly || (options.readTools?.has(tool) ?? false)),
    scriptsAllowed: true,
  };
}

export function namespaceAllowed(access: McpAccess, namespace: string): boolean {
  return access.namespace === undefined || access.namespace === namespace;
}
