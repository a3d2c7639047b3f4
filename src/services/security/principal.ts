// Who is calling: the local user (stdio, or HTTP on loopback without keys) with full rights, or
// the holder of an API key with a scope, perhaps one namespace, and perhaps script rights.

import { z } from 'zod';

/** Scopes, least to most: `read` < `run` < `admin`; a scope grants everything below it. */
export const Scope = z.enum(['read', 'run', 'admin'], { error: (issue) => `must be read, run or admin (got ${JSON.stringify(issue.input)})` });
export type Scope = z.infer<typeof Scope>;

const SCOPE_RANK: Record<Scope, number> = { read: 0, run: 1, admin: 2 };

/** What a verified API key grants. */
export interface Principal {
  keyId: string;
  name: string;
  /** The key's display prefix (`weft_` and 8 characters), not a secret. */
  prefix: string;
  scope: Scope;
  /** The one namespace the key may touch; absent: all of them. */
  namespace?: string;
  /** Whether the key may save and run flows with `script` tasks (admin keys always may). */
  allowScripts: boolean;
  /** Whether the key is a person's (its name is the person's): through the JSON API it answers approvals as that person. */
  person?: boolean;
}

/** The local, unauthenticated user on stdio or loopback HTTP: full rights. */
export const LOCAL = 'local' as const;

/** A caller: the local user or a principal from an API key. */
export type Caller = Principal | typeof LOCAL;

/** Whether `granted` includes `needed`. */
export function scopeAllows(granted: Scope, needed: Scope): boolean {
  return SCOPE_RANK[granted] >= SCOPE_RANK[needed];
}

/** How a caller is named in the audit log and messages: `local` or `key:<prefix>`. */
export function callerLabel(caller: Caller): string {
  return caller === LOCAL ? LOCAL : `key:${caller.prefix}`;
}
