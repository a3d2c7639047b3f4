// Tables of Weft's store (SQLite or PostgreSQL, one schema). Temporal holds run state; the
// store holds what Temporal does not: flow revisions and run logs (later secrets and keys).

import type { Generated } from 'kysely';

export interface FlowsTable {
  namespace: string;
  id: string;
  latest_revision: number;
  description: string | null;
  kind: string;
  created_at: string;
  updated_at: string;
  /** Set when the flow is deleted; its revisions stay for the runs that used them. */
  deleted_at: string | null;
}

export interface FlowRevisionsTable {
  namespace: string;
  id: string;
  revision: number;
  /** The text as saved (YAML or JSON), shown back to authors. */
  source: string;
  /** The validated spec as JSON, what runs execute. */
  spec: string;
  content_hash: string;
  message: string | null;
  created_at: string;
}

export interface LogsTable {
  seq: Generated<number>;
  /** Deterministic id of the line (run, task, iteration, attempt, position): a replayed write is ignored. */
  line_id: string;
  run_id: string;
  flow: string;
  task_id: string;
  /** Foreach iteration path as `3` or `3,1`. */
  iteration: string | null;
  attempt: number;
  level: string;
  message: string;
  ts: string;
}

export interface SecretsTable {
  /** The namespace whose flows may read the secret, or `*`: global, every namespace (set by an admin only). */
  namespace: string;
  name: string;
  /** base64 of iv (12 bytes) + auth tag (16 bytes) + AES-256-GCM ciphertext. */
  ciphertext: string;
  created_at: string;
  updated_at: string;
}

/** Answers of llm tasks cached before migration 010 (task_cache), which emptied it; no longer read or written. */
export interface LlmCacheTable {
  /** sha256 of provider, model and the rendered request. */
  key: string;
  /** The answer as JSON ({ text, json, model, finishReason, usage }). */
  value: string;
  created_at: string;
  expires_at: string;
}

/** API keys for the MCP HTTP transport. Only a SHA-256 of the token is kept, never the token. */
export interface ApiKeysTable {
  id: string;
  name: string;
  /** sha256 of the whole token, hex. */
  token_hash: string;
  /** The token's first characters (`weft_` and 8 more), shown to tell keys apart; not enough to guess it. */
  prefix: string;
  /** read, run or admin. */
  scope: string;
  /** The one namespace the key may touch; null: all. */
  namespace: string | null;
  /** 1 when the key may save and run flows with script tasks (admin keys always may). */
  allow_scripts: number;
  /** 1 when the key is a person's: through the JSON API it answers approvals as that person. */
  person: number;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** Mutating MCP calls: who called which tool with what (secrets redacted) and how it ended. */
export interface AuditLogTable {
  seq: Generated<number>;
  ts: string;
  /** `local`, or `key:<prefix>` for an API key. */
  actor: string;
  /** stdio, http or cli. */
  transport: string;
  tool: string;
  /** The call's arguments as JSON, redacted and bounded. */
  arguments: string;
  /** ok or error. */
  outcome: string;
  error_code: string | null;
  summary: string | null;
  run_id: string | null;
  flow: string | null;
}

/** One row: the store's random identity, made when the store was created. */
export interface StoreIdentityTable {
  id: string;
  created_at: string;
}

/** Payloads kept out of Temporal history by the claim-check codec, content-addressed. */
/** One cached task output (migration 010; services/cache/task-cache.ts). */
export interface TaskCacheTable {
  /** Digest of what the entry answers for (services/cache/cache-key.ts). */
  key: string;
  namespace: string;
  /** `namespace/id` of the flow whose task stored the entry. */
  flow: string;
  task_id: string;
  run_id: string;
  /** The foreach index path of the storing task run, as JSON; null outside a foreach. */
  iteration: string | null;
  /** The task's output, as JSON. */
  value: string;
  created_at: string;
  expires_at: string;
}

export interface ClaimChecksTable {
  /** sha256 of `data`, hex. */
  key: string;
  /** The Temporal payload (metadata and data), protobuf-encoded. */
  data: Uint8Array;
  bytes: number;
  created_at: string;
  /** Last time the payload was stored again or read (reads refresh it at most hourly). */
  touched_at: string;
}

/** A flow trigger of flow (namespace, id) listening to `upstream` (`namespace/id`): one row per trigger and upstream flow. */
export interface FlowTriggerLinksTable {
  upstream: string;
  namespace: string;
  id: string;
  trigger_id: string;
  /** The run this trigger last started (or attached to) for a run of `upstream`, and when. */
  last_run_id: string | null;
  last_fired_at: string | null;
}

/** A named limit's size (`weft limit set`); its slots live in a keeper workflow. */
export interface NamedLimitsTable {
  name: string;
  size: number;
  updated_at: string;
}

/** A namespace file (`weft file put`), placed read-only in the work directory of script tasks that list it. */
export interface NamespaceFilesTable {
  namespace: string;
  /** Relative, `/`-separated (core/spec/file-paths.ts). */
  path: string;
  data: Uint8Array;
  bytes: number;
  /** sha256 of `data`, hex. */
  sha256: string;
  created_at: string;
  updated_at: string;
}

export interface StoreSchema {
  namespace_files: NamespaceFilesTable;
  named_limits: NamedLimitsTable;
  flow_trigger_links: FlowTriggerLinksTable;
  task_cache: TaskCacheTable;
  claim_checks: ClaimChecksTable;
  store_identity: StoreIdentityTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  llm_cache: LlmCacheTable;
  secrets: SecretsTable;
  logs: LogsTable;
  flows: FlowsTable;
  flow_revisions: FlowRevisionsTable;
}
