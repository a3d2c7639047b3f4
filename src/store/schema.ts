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
  name: string;
  /** base64 of iv (12 bytes) + auth tag (16 bytes) + AES-256-GCM ciphertext. */
  ciphertext: string;
  created_at: string;
  updated_at: string;
}

export interface LlmCacheTable {
  /** sha256 of provider, model and the rendered request. */
  key: string;
  /** The answer as JSON ({ text, json, model, finishReason, usage }). */
  value: string;
  created_at: string;
  expires_at: string;
}

export interface StoreSchema {
  llm_cache: LlmCacheTable;
  secrets: SecretsTable;
  logs: LogsTable;
  flows: FlowsTable;
  flow_revisions: FlowRevisionsTable;
}
