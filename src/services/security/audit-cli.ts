// Audit records of the CLI's mutating commands (keys, secrets, flows, runs): who ran them
// (`cli:<os user>`), what they touched and how they ended. Arguments never carry a secret value
// or a token; what does pass through is redacted like any other record.

import { userInfo } from 'node:os';
import { WeftError } from '../../core/errors.js';
import type { AuditLog } from './audit-log.js';

/** The audit actor of this process's CLI commands: `cli:<os user>`, or `cli` when it has none. */
export function cliActor(): string {
  try {
    const name = userInfo().username;
    return name ? `cli:${name}` : 'cli';
  } catch {
    return 'cli';
  }
}

export interface CliAuditCall {
  /** The operation, named like its MCP tool where it has one (`run_flow`, `save_flow`). */
  tool: string;
  arguments: Record<string, unknown>;
  runId?: string;
  flow?: string;
}

/** What a finished command adds to its record. */
export interface CliAuditResult {
  summary?: string;
  runId?: string;
  flow?: string;
}

/**
 * Runs `body` and records it in the audit log, whether it succeeds or fails. A record that cannot
 * be written is said on stderr (`report`) and does not change the command's result: the command
 * has already acted by then.
 */
export async function auditedCommand<T>(
  log: () => Promise<AuditLog>,
  call: CliAuditCall,
  body: () => Promise<T>,
  describe: (result: T) => CliAuditResult = () => ({}),
  report: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<T> {
  const base = { actor: cliActor(), transport: 'cli' as const, tool: call.tool, arguments: call.arguments, ...pickRefs(call) };
  let result: T;
  try {
    result = await body();
  } catch (error) {
    await write(log, { ...base, outcome: 'error', errorCode: error instanceof WeftError ? error.code : 'INTERNAL' }, report);
    throw error;
  }
  const described = describe(result);
  await write(log, { ...base, ...pickRefs(described), ...(described.summary ? { summary: described.summary } : {}), outcome: 'ok' }, report);
  return result;
}

function pickRefs(value: { runId?: string; flow?: string }): { runId?: string; flow?: string } {
  return { ...(value.runId ? { runId: value.runId } : {}), ...(value.flow ? { flow: value.flow } : {}) };
}

async function write(log: () => Promise<AuditLog>, record: Parameters<AuditLog['record']>[0], report: (line: string) => void): Promise<void> {
  try {
    await (await log()).record(record);
  } catch (error) {
    // Named by tool and outcome only: the arguments are what might hold an unredacted secret.
    report(`audit log: the record of ${record.tool} (${record.outcome}) was not written: ${(error as Error).message}`);
  }
}
