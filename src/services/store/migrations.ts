// Schema migrations, written once with Kysely's schema builder so SQLite and PostgreSQL get the
// same tables. Append new migrations; never edit one that has shipped.

import { randomUUID } from 'node:crypto';
import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import type { StoreKind } from './database.js';

const migrations: Record<string, Migration> = {
  '001_flows': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('flows')
        .addColumn('namespace', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('latest_revision', 'integer', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('kind', 'text', (c) => c.notNull().defaultTo('declarative'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('deleted_at', 'text')
        .addPrimaryKeyConstraint('flows_pk', ['namespace', 'id'])
        .execute();
      await db.schema
        .createTable('flow_revisions')
        .addColumn('namespace', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('message', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('flow_revisions_pk', ['namespace', 'id', 'revision'])
        .execute();
      await db.schema.createIndex('flows_updated').on('flows').columns(['updated_at']).execute();
    },
  },
};

/** Run logs with a full-text index: FTS5 on SQLite, a tsvector column with GIN on PostgreSQL. */
function logsMigration(kind: StoreKind): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('logs')
        .addColumn('seq', kind === 'postgres' ? 'bigserial' : 'integer', (c) => (kind === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('line_id', 'text', (c) => c.notNull().unique())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('flow', 'text', (c) => c.notNull())
        .addColumn('task_id', 'text', (c) => c.notNull())
        .addColumn('iteration', 'text')
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('level', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('ts', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('logs_run').on('logs').columns(['run_id', 'seq']).execute();
      await db.schema.createIndex('logs_flow').on('logs').columns(['flow', 'seq']).execute();
      await db.schema.createIndex('logs_ts').on('logs').columns(['ts']).execute();
      if (kind === 'postgres') {
        await sql`ALTER TABLE logs ADD COLUMN message_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', message)) STORED`.execute(db);
        await sql`CREATE INDEX logs_fts ON logs USING GIN (message_tsv)`.execute(db);
      } else {
        await sql`CREATE VIRTUAL TABLE logs_fts USING fts5(message, content='logs', content_rowid='seq')`.execute(db);
        await sql`CREATE TRIGGER logs_fts_insert AFTER INSERT ON logs BEGIN INSERT INTO logs_fts(rowid, message) VALUES (new.seq, new.message); END`.execute(
          db,
        );
        await sql`CREATE TRIGGER logs_fts_delete AFTER DELETE ON logs BEGIN INSERT INTO logs_fts(logs_fts, rowid, message) VALUES ('delete', old.seq, old.message); END`.execute(
          db,
        );
      }
    },
  };
}

/** Secrets, encrypted at rest (AES-256-GCM); the key never enters the store. */
const secretsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('secrets')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('ciphertext', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
};

/** Cached model answers (`cache: { ttl }` on llm tasks), kept across restarts. */
const llmCacheMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('llm_cache')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('llm_cache_expires').on('llm_cache').columns(['expires_at']).execute();
  },
};

/** API keys (hashed) and the audit log of mutating MCP calls. */
function securityMigration(kind: StoreKind): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('namespace', 'text')
        .addColumn('allow_scripts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('api_keys_prefix').on('api_keys').columns(['prefix']).execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('seq', kind === 'postgres' ? 'bigserial' : 'integer', (c) => (kind === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('ts', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('transport', 'text', (c) => c.notNull())
        .addColumn('tool', 'text', (c) => c.notNull())
        .addColumn('arguments', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('summary', 'text')
        .addColumn('run_id', 'text')
        .addColumn('flow', 'text')
        .execute();
      await db.schema.createIndex('audit_log_ts').on('audit_log').columns(['ts']).execute();
      await db.schema.createIndex('audit_log_tool').on('audit_log').columns(['tool', 'seq']).execute();
      await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['actor', 'seq']).execute();
      await db.schema.createIndex('audit_log_run').on('audit_log').columns(['run_id']).execute();
      await db.schema.createIndex('audit_log_flow').on('audit_log').columns(['flow', 'seq']).execute();
    },
  };
}

/**
 * Secrets belong to a namespace (or `*`, global): the table is rebuilt with the key (namespace,
 * name). Secrets stored before this migration become global, so the flows that used them still
 * find them; an admin moves one into a namespace by setting it there and deleting the global one.
 */
const secretNamespacesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('secrets_scoped')
      .addColumn('namespace', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('ciphertext', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('secrets_scoped_pk', ['namespace', 'name'])
      .execute();
    await sql`INSERT INTO secrets_scoped (namespace, name, ciphertext, created_at, updated_at) SELECT '*', name, ciphertext, created_at, updated_at FROM secrets`.execute(
      db,
    );
    await db.schema.dropTable('secrets').execute();
    await db.schema.alterTable('secrets_scoped').renameTo('secrets').execute();
  },
};

/**
 * The store's identity: one random id, made once when the store is created (or first migrated),
 * so that processes can tell whether they share a store (see src/server/store-identity.ts).
 */
const storeIdentityMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('store_identity')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await sql`INSERT INTO store_identity (id, created_at) VALUES (${randomUUID()}, ${new Date().toISOString()})`.execute(db);
  },
};

/**
 * Payloads too large for Temporal history (the claim-check codec, services/temporal/claim-check-codec.ts),
 * keyed by the sha256 of their bytes so a repeat is stored once; `touched_at` says when one was last
 * stored or read, for pruning (services/outputs/claim-check-store.ts).
 */
function claimChecksMigration(kind: StoreKind): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('claim_checks')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('data', kind === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
        .addColumn('bytes', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('touched_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('claim_checks_touched').on('claim_checks').columns(['touched_at']).execute();
    },
  };
}

/**
 * The cache of every I/O task type (`cache: { ttl, key? }`, services/cache/task-cache.ts): one
 * entry per key, with where it came from (flow, task, run) for `weft cache clear` and for the
 * task runs it answers. `llm_cache` is no longer read or written: its rows are deleted (a cache
 * loses nothing that matters), the table stays for workers of the release before.
 */
const taskCacheMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('task_cache')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('namespace', 'text', (c) => c.notNull())
      .addColumn('flow', 'text', (c) => c.notNull())
      .addColumn('task_id', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('iteration', 'text')
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('task_cache_expires').on('task_cache').columns(['expires_at']).execute();
    await db.schema.createIndex('task_cache_flow').on('task_cache').columns(['flow', 'task_id']).execute();
    await db.schema.createIndex('task_cache_task').on('task_cache').columns(['task_id']).execute();
    await sql`DELETE FROM llm_cache`.execute(db);
  },
};

/**
 * Which saved flows' flow triggers listen to which upstream flow, one row per trigger and upstream,
 * rewritten with each saved revision (services/triggers/flow-trigger-links.ts): a run asks "does
 * anyone listen to my flow?" with one indexed read instead of reading every flow.
 */
const flowTriggerLinksMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('flow_trigger_links')
      .addColumn('upstream', 'text', (c) => c.notNull())
      .addColumn('namespace', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('trigger_id', 'text', (c) => c.notNull())
      .addColumn('last_run_id', 'text')
      .addColumn('last_fired_at', 'text')
      .addPrimaryKeyConstraint('flow_trigger_links_pk', ['upstream', 'namespace', 'id', 'trigger_id'])
      .execute();
    await db.schema.createIndex('flow_trigger_links_downstream').on('flow_trigger_links').columns(['namespace', 'id']).execute();
  },
};

/** Person keys (`weft apikey create --person`): through the JSON API they answer approvals as a person. */
const personKeysMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('api_keys')
      .addColumn('person', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
};

/** Sizes of named limits (`weft limit set`); the slots themselves live in keeper workflows (docs/limits.md). */
const namedLimitsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('named_limits')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
};

/** Namespace files (`weft file put`), bounded in size by the file service (services/files/file-service.ts). */
function namespaceFilesMigration(kind: StoreKind): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('namespace_files')
        .addColumn('namespace', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('data', kind === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
        .addColumn('bytes', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('namespace_files_pk', ['namespace', 'path'])
        .execute();
    },
  };
}

/**
 * Log searches by level, across a flow or across everything (`query_logs` with `level` and no
 * run): without these, PostgreSQL walked the log in `seq` order testing each line's flow and
 * level, 117 ms at 1,000,000 lines where 1 in 200 is an error (bench workload 19); with them it
 * reads the matching lines in order, under a millisecond.
 */
const logLevelIndexesMigration: Migration = {
  async up(db) {
    await db.schema.createIndex('logs_flow_level').on('logs').columns(['flow', 'level', 'seq']).execute();
    await db.schema.createIndex('logs_level').on('logs').columns(['level', 'seq']).execute();
  },
};

export function migrationProvider(kind: StoreKind): MigrationProvider {
  return {
    async getMigrations() {
      return {
        ...migrations,
        '002_logs': logsMigration(kind),
        '003_secrets': secretsMigration,
        '004_security': securityMigration(kind),
        '005_llm_cache': llmCacheMigration,
        '006_secret_namespaces': secretNamespacesMigration,
        '007_store_identity': storeIdentityMigration,
        '008_claim_checks': claimChecksMigration(kind),
        '009_flow_trigger_links': flowTriggerLinksMigration,
        '010_task_cache': taskCacheMigration,
        '011_person_keys': personKeysMigration,
        '012_named_limits': namedLimitsMigration,
        '013_namespace_files': namespaceFilesMigration(kind),
        '014_log_level_indexes': logLevelIndexesMigration,
      };
    },
  };
}
