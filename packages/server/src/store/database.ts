import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { fileURLToPath } from 'node:url';
import { type ListenHandlers, listenPglite, listenPostgres, type Unlisten } from './listen';
import { type MaintenanceReport, maintainPglite } from './pglite-maintenance';
import * as schema from './schema';

export type Schema = typeof schema;
/** The query API shared by PGlite and node-postgres: services never know which one runs. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<
  PgQueryResultHKT,
  Schema,
  ExtractTablesWithRelations<Schema>
>;
/** Anything a query can run on: the database or an open transaction. */
export type Queryable = Database | Transaction;

export interface Store {
  readonly db: Database;
  readonly kind: 'pglite' | 'postgres';
  /** Answers true when the database takes a trivial query (for /readyz). */
  ping(): Promise<boolean>;
  /** LISTEN on a channel on a connection of its own, kept alive across database restarts. */
  listen(channel: string, handlers: ListenHandlers): Promise<Unlisten>;
  /**
   * VACUUM and ANALYZE where enough changed; only on PGlite, which has no autovacuum (a real
   * Postgres runs its own).
   */
  maintain?(): Promise<MaintenanceReport>;
  close(): Promise<void>;
}

const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

export interface StoreOptions {
  /** A postgres:// URL; when absent the embedded PGlite is used. */
  databaseUrl?: string | undefined;
  /** PGlite's data directory parent; `undefined` keeps PGlite in memory (tests). */
  dataDir?: string | undefined;
  /** Pool size for a real Postgres. */
  maxConnections?: number;
  /** PGlite: the open files its cache of relation files may hold (`max_files_per_process`). */
  maxOpenFiles?: number | undefined;
}

/** Opens the database the configuration names and applies every pending migration. */
export async function openStore(options: StoreOptions): Promise<Store> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options) : openPglite(options);
}

function pgliteOptions(options: StoreOptions): PGliteOptions {
  if (options.maxOpenFiles === undefined) return {};
  const limit = ['-c', `max_files_per_process=${options.maxOpenFiles}`];
  return { startParams: [...PGlite.defaultStartParams, ...limit] };
}

async function openPglite(options: StoreOptions): Promise<Store> {
  let client: PGlite;
  if (options.dataDir) {
    await mkdir(options.dataDir, { recursive: true });
    client = new PGlite(join(options.dataDir, 'pgdata'), pgliteOptions(options));
  } else {
    client = new PGlite(pgliteOptions(options));
  }
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return {
    db: db as unknown as Database,
    kind: 'pglite',
    ping: async () => {
      try {
        await client.query('select 1');
        return true;
      } catch {
        return false;
      }
    },
    listen: (channel, handlers) => listenPglite(client, channel, handlers),
    maintain: () => maintainPglite(client),
    close: () => client.close(),
  };
}

async function openPostgres(url: string, options: StoreOptions): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    // Fail fast when the database is down, so callers answer 503 instead of hanging.
    connectionTimeoutMillis: 3_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  // A checked-out client (say, between two statements of a transaction) whose connection is cut
  // emits 'error' with no listener of the pool's own, which would crash the process. The
  // statement in flight fails by itself (503 DB_UNAVAILABLE) and the pool drops the client.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = drizzlePg(pool, { schema });
  await withMigrationLock(pool, () => migratePg(db, { migrationsFolder: MIGRATIONS_FOLDER }));
  return {
    db: db as unknown as Database,
    kind: 'postgres',
    ping: async () => {
      try {
        await pool.query('select 1');
        return true;
      } catch {
        return false;
      }
    },
    listen: (channel, handlers) => listenPostgres(url, channel, handlers),
    close: () => pool.end(),
  };
}

/**
 * Several instances starting at once on one database must not apply the same migration twice:
 * a session-level advisory lock makes them take turns (the later ones find nothing to do).
 */
async function withMigrationLock(pool: pg.Pool, migrate: () => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("select pg_advisory_lock(hashtext('tidings:migrations'))");
    await migrate();
  } finally {
    await client
      .query("select pg_advisory_unlock(hashtext('tidings:migrations'))")
      .catch(() => undefined);
    client.release();
  }
}
