import { is, type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { PgliteTransaction } from 'drizzle-orm/pglite';
import type { Database, Transaction } from './database';

const dialect = new PgDialect();
/** Names prepared so far, per PGlite instance (a restart opens a new one with none). */
const preparedByClient = new WeakMap<object, Set<string>>();

/**
 * Runs a hot statement whose text never changes (only its parameters do). On PGlite, parsing
 * and planning a statement of several CTEs costs more WebAssembly time than running it, so the
 * statement is PREPAREd once per database and then run with EXECUTE, which reuses its plan
 * (a lone note update took about half the time, bench/src/data-layer.ts). PGlite is one
 * session, so one PREPARE serves every later transaction (it also outlives a rollback).
 * EXECUTE takes no protocol parameters, so its arguments go as quoted literals: every argument
 * must be a string (JSON, joined uuids, timestamps). On Postgres the statement runs as it is:
 * planning there is native and cheap next to a round trip, and a pool would need the PREPARE
 * on each of its connections.
 */
export async function executePrepared(
  db: Database,
  tx: Transaction,
  name: string,
  query: SQL,
): Promise<unknown> {
  if (!is(tx, PgliteTransaction)) return tx.execute(query);
  const { sql: text, params } = dialect.sqlToQuery(query);
  const client = (db as unknown as { $client: object }).$client;
  const prepared = preparedByClient.get(client) ?? new Set<string>();
  preparedByClient.set(client, prepared);
  if (!prepared.has(name)) {
    await tx.execute(sql.raw(`prepare ${name} as ${text}`));
    prepared.add(name);
  }
  const literals = params.map((param) => {
    if (typeof param !== 'string') throw new Error(`${name}: arguments must be strings`);
    return quoteLiteral(param);
  });
  return tx.execute(sql.raw(`execute ${name}(${literals.join(', ')})`));
}

/**
 * A string as an SQL literal, exactly as node-postgres' `escapeLiteral` (and libpq's) quote it:
 * quotes doubled, and with a backslash in it the E'' form with backslashes doubled, so it reads
 * the same whatever `standard_conforming_strings` says. Regular expressions instead of its
 * character loop: batch arguments run to hundreds of kilobytes.
 */
function quoteLiteral(value: string): string {
  const quoted = value.replace(/'/g, "''");
  return value.includes('\\') ? ` E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}
