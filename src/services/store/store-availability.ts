// A PostgreSQL store that goes away for a while (a restart, a failover) must not take Weft with
// it: lost connections are reported, not thrown at the event loop, and queries made meanwhile
// fail with StoreUnavailableError, which callers retry (activities, log writes) or answer
// clearly (MCP, CLI). The pool reconnects by itself when the database is back.

import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';
import { WeftError } from '../../core/errors.js';

/** Thrown when the store cannot be reached; retryable: the same call may succeed once it is back. */
export class StoreUnavailableError extends WeftError {
  readonly retryable = true;

  constructor(
    readonly location: string,
    cause: unknown,
  ) {
    super('STORE_UNAVAILABLE', `the store at ${location} is unavailable: ${(cause as Error)?.message ?? String(cause)}`, {
      hint: 'retry in a moment; Weft reconnects by itself when the database is back (check that PostgreSQL runs and is reachable)',
      cause,
    });
  }
}

// SQLSTATE classes and codes that say the server or the connection went away, not the query.
const CONNECTION_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
// pg raises these without a code; its messages are the only way to tell them apart.
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'connection terminated',
  'Client has encountered a connection error and is not queryable',
  'timeout exceeded when trying to connect',
  'Client was closed and is not queryable',
];

/** Whether `error` is the loss of the database (connection refused, reset, server shutting down). */
export function isConnectionLoss(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  if (error instanceof AggregateError && error.errors.some(isConnectionLoss)) return true;
  return CONNECTION_MESSAGES.some((text) => error.message.includes(text));
}

/** `dialect` whose driver turns connection losses into StoreUnavailableError. */
export function availabilityDialect(dialect: Dialect, location: string): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver: () => new AvailabilityDriver(dialect.createDriver(), location),
  };
}

class AvailabilityDriver implements Driver {
  // The inner driver keeps private state on its own connection objects: hand those back to it.
  private readonly inner = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(
    private readonly driver: Driver,
    private readonly location: string,
  ) {}

  init(): Promise<void> {
    return this.guard(() => this.driver.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.guard(() => this.driver.acquireConnection());
    const wrapped: DatabaseConnection = {
      executeQuery: <R>(query: CompiledQuery) => this.guard<QueryResult<R>>(() => connection.executeQuery<R>(query)),
      streamQuery: <R>(query: CompiledQuery, chunkSize?: number) => connection.streamQuery<R>(query, chunkSize),
    };
    this.inner.set(wrapped, connection);
    return wrapped;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.guard(() => this.driver.beginTransaction(this.unwrap(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.guard(() => this.driver.commitTransaction(this.unwrap(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.guard(() => this.driver.rollbackTransaction(this.unwrap(connection)));
  }

  savepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['savepoint']>>[2]): Promise<void> {
    return this.guard(async () => this.driver.savepoint?.(this.unwrap(connection), name, compile));
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['savepoint']>>[2]): Promise<void> {
    return this.guard(async () => this.driver.rollbackToSavepoint?.(this.unwrap(connection), name, compile));
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['savepoint']>>[2]): Promise<void> {
    return this.guard(async () => this.driver.releaseSavepoint?.(this.unwrap(connection), name, compile));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.driver.releaseConnection(this.unwrap(connection));
  }

  destroy(): Promise<void> {
    return this.driver.destroy();
  }

  private unwrap(connection: DatabaseConnection): DatabaseConnection {
    return this.inner.get(connection) ?? connection;
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw isConnectionLoss(error) ? new StoreUnavailableError(this.location, error) : error;
    }
  }
}
