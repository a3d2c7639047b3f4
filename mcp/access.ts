// What one MCP session may do, decided once when the session starts: which tools it sees,
// whether it may save or run flows with `script` tasks, which namespace it may touch, and
// where its mutating calls are audited. The rules are src/security/tool-policy.ts's.

import type { WeftError } from '../src/core/errors.js';
import type { AuditRecordInput, AuditTransport } from '../src/services/security/audit-log.js';
import { isRightsRefusal } from '../src/services/security/audit-refusals.js';
import type { AuditWriter } from '../src/services/security/audit-writer.js';
import { type Caller, LOCAL } from '../src/services/security/principal.js';
import { sessionPolicy } from '../src/services/security/tool-policy.js';

/** One audit record as the tool layer reports it; the audit log adds who and how. */
export type ToolAuditEntry = Omit<AuditRecordInput, 'actor' | 'transport'>;

export interface McpAccess {
  /** Who is calling, for messages and the audit log (`local`, or `key:<prefix>`). */
  caller: string;
  toolVisible(tool: string): boolean;
  /** Whether flows with `script` tasks may be saved or run in this session. */
  scriptsAllowed: boolean;
  /** The one namespace this session may touch; absent: all of them. */
  namespace?: string;
  /** The person's name when the caller holds a person's key (`weft apikey create --person`). */
  person?: string;
  /** Queues the record of a mutating call; it is written just after the answer (AuditWriter). */
  audit?(entry: ToolAuditEntry): void;
}

export interface AccessOptions {
  readOnly?: boolean;
  disabledTools?: readonly string[];
  audit?: { writer: AuditWriter; transport: AuditTransport };
}

/** The access of a caller: the person at this machine (`local`) or an API key's principal. */
export function accessFor(caller: Caller, options: AccessOptions = {}): McpAccess {
  const policy = sessionPolicy(caller, { readOnly: options.readOnly ?? false, disabledTools: options.disabledTools ?? [] });
  const audit = options.audit;
  return {
    ...policy,
    ...(caller !== LOCAL && caller.person ? { person: caller.name } : {}),
    ...(audit
      ? {
          audit(entry: ToolAuditEntry) {
            audit.writer.submit({ actor: policy.caller, transport: audit.transport, ...entry });
          },
        }
      : {}),
  };
}

export function namespaceAllowed(access: McpAccess, namespace: string): boolean {
  return access.namespace === undefined || access.namespace === namespace;
}

/**
 * Runs a read that is not a tool call (a prompt, a resource) and records it when it refuses the
 * caller's rights, as the tool layer does for tools: probing another namespace is worth knowing.
 * `name` is what the audit record shows in its tool column (`prompt:debug_run`, `resource:…`).
 */
export async function auditedRead<T>(access: McpAccess, name: string, args: Record<string, unknown>, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (isRightsRefusal(error)) access.audit?.({ tool: name, arguments: args, outcome: 'error', errorCode: (error as WeftError).code });
    throw error;
  }
}
