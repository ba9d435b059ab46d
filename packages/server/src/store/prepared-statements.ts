import type { PGlite, Transaction as PgliteRawTransaction, Results } from '@electric-sql/pglite';
import { is, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { PgliteDatabase, PgliteTransaction } from 'drizzle-orm/pglite';
import type { Database, Transaction } from './database';

const dialect = new PgDialect();
/**
 * The PREPARE of each name, per PGlite instance (a restart opens a new one with none); a promise,
 * so two first uses at once prepare it once.
 */
const preparedByClient = new WeakMap<object, Map<string, Promise<unknown>>>();

/**
 * Runs a hot statement whose text never changes (only its parameters do). On PGlite, parsing
 * and planning a statement of several CTEs costs more WebAssembly time than running it, so the
 * statement is PREPAREd once per database and then run with EXECUTE, which reuses its plan
 * (a lone note update took about half the time, bench/src/data-layer.ts). PGlite is one
 * session, so one PREPARE serves every later transaction (it also outlives a rollback).
 * EXECUTE takes no protocol parameters, so its arguments go as quoted literals: every argument
 * must be a string (JSON, joined uuids, timestamps). Only on PGlite: on Postgres planning is
 * native and cheap next to a round trip, and a pool would need the PREPARE on each of its
 * connections, so the group commit sends its statements with their arguments written in
 * (`inlineArguments`, store/batch-transaction.ts).
 *
 * On PGlite both go as simple-protocol messages (`exec`): two calls into its WebAssembly (the
 * query, then a sync) where a drizzle statement takes six (parse, describe, bind, describe,
 * execute, sync), and EXECUTE needs nothing the extended protocol adds. A lone note update
 * went from 16 calls to 8 and from 1.45 to 1.03 ms (p50, bench/src/data-layer.ts). Rows then
 * come back parsed by PGlite's own type parsers: timestamps as Date where drizzle keeps text.
 */
export async function executePrepared(
  db: Database,
  tx: Transaction,
  name: string,
  query: SQL,
): Promise<unknown> {
  if (!is(tx, PgliteTransaction))
    throw new Error(`${name}: EXECUTE of a prepared statement is for PGlite`);
  const pgliteTx = pgliteTransactionOf(tx);
  return runPrepared(clientOf(db), (text) => firstResult(pgliteTx.exec(text)), name, query);
}

/**
 * The rows of a hot read outside any transaction (a session on every connect, a note's owner on
 * every join), prepared as `executePrepared` does. On PGlite it goes to the client itself: the
 * query builder's own work was more than half of such a read (about 480 against 180
 * microseconds here).
 */
export async function readPrepared<Row>(db: Database, name: string, query: SQL): Promise<Row[]> {
  if (!is(db, PgliteDatabase)) {
    const result = (await db.execute(query)) as unknown as { rows: Row[] };
    return result.rows;
  }
  const client = clientOf(db);
  const result = await runPrepared(client, (text) => firstResult(client.exec(text)), name, query);
  return result.rows as Row[];
}

async function runPrepared<R>(
  client: PGlite,
  run: (text: string) => Promise<R>,
  name: string,
  query: SQL,
): Promise<R> {
  const { sql: text, params } = dialect.sqlToQuery(query);
  const prepared = preparedByClient.get(client) ?? new Map<string, Promise<unknown>>();
  preparedByClient.set(client, prepared);
  let preparing = prepared.get(name);
  if (!preparing) {
    preparing = run(`prepare ${name} as ${text}`);
    prepared.set(name, preparing);
    // A failed PREPARE (the database was closing) is tried again by the next use.
    preparing.catch(() => prepared.delete(name));
  }
  await preparing;
  const literals = params.map((param) => literalOf(name, param));
  // EXECUTE takes no parentheses when the statement has no parameters.
  return run(literals.length > 0 ? `execute ${name}(${literals.join(', ')})` : `execute ${name}`);
}

/**
 * A statement's text with its arguments written in as quoted literals, for the simple protocol,
 * which takes no parameters but several statements in one message. Every argument must be a
 * string, as for `executePrepared`.
 */
export function inlineArguments(name: string, query: SQL): string {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return text.replace(/\$(\d+)/g, (_, position: string) =>
    literalOf(name, params[Number(position) - 1]),
  );
}

/** An argument of statement `name` as an SQL literal; only strings are taken. */
function literalOf(name: string, param: unknown): string {
  if (typeof param !== 'string') throw new Error(`${name}: arguments must be strings`);
  return quoteLiteral(param);
}

/** The result of the one statement a simple-protocol message carried. */
async function firstResult(results: Promise<Results[]>): Promise<Results> {
  const [result] = await results;
  if (!result) throw new Error('PGlite answered a statement with no result');
  return result;
}

/** PGlite's own transaction, which drizzle's wraps (its session's client). */
function pgliteTransactionOf(tx: Transaction): PgliteRawTransaction {
  return (tx as unknown as { session: { client: PgliteRawTransaction } }).session.client;
}

function clientOf(db: Database): PGlite {
  return (db as unknown as { $client: PGlite }).$client;
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
