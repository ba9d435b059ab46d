import { is, type SQL } from 'drizzle-orm';
import { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type { Database } from './database';
import { executePrepared, inlineArguments } from './prepared-statements';

/** Runs one statement of the transaction; `name` names its text (prepared once on PGlite). */
export type RunStatement = (name: string, query: SQL) => Promise<unknown>;

/** The statements of a group commit's transaction: reads first, then the one write. */
export interface BatchStatements {
  /** A statement before the write; may run more than once. */
  read: RunStatement;
  /** The transaction's last statement: the commit goes with it. Called at most once. */
  write: RunStatement;
}

/**
 * A transaction of reads and then one write (the group commit's, note-batch-writer.ts), in as
 * few round trips as the database allows. On Postgres every statement is a round trip, and
 * BEGIN and COMMIT were two of a lone update's four: BEGIN now travels with the first read and
 * COMMIT with the write, as simple-protocol messages of two statements (arguments written in as
 * literals), on a pooled connection of the transaction's own. Against a local Postgres a lone
 * update went from 3.20-3.43 to 2.95-3.23 ms (bench/src/data-layer.ts); across a network each
 * round trip saved is the network's. On PGlite, a single session whose other callers must wait
 * while a transaction is open, PGlite's own transaction keeps that order. Nothing else may run
 * on the transaction: a body that returns without writing commits what it read (its locks
 * end); one that throws, or a write that fails, rolls back.
 */
export async function inBatchTransaction<T>(
  db: Database,
  body: (statements: BatchStatements) => Promise<T>,
): Promise<T> {
  if (!is(db, NodePgDatabase)) {
    return db.transaction((tx) => {
      const run: RunStatement = (name, query) => executePrepared(db, tx, name, query);
      return body({ read: run, write: run });
    });
  }
  return onPostgres((db as unknown as { $client: pg.Pool }).$client, body);
}

async function onPostgres<T>(
  pool: pg.Pool,
  body: (statements: BatchStatements) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  /** Several statements in one message answer with one result each. */
  const send = async (text: string): Promise<pg.QueryResult[]> => {
    const results: unknown = await client.query(text);
    return Array.isArray(results) ? (results as pg.QueryResult[]) : [results as pg.QueryResult];
  };
  /** Whether a BEGIN has gone out with no COMMIT or ROLLBACK after it. */
  let open = false;
  let broken = false;
  try {
    const result = await body({
      read: async (name, query) => {
        const text = inlineArguments(name, query);
        if (open) return (await send(text))[0];
        open = true;
        return (await send(`begin; ${text}`))[1];
      },
      write: async (name, query) => {
        const begin = open ? '' : 'begin; ';
        const text = `${begin}${inlineArguments(name, query)}; commit`;
        open = true;
        const results = await send(text);
        open = false;
        return results[begin ? 1 : 0];
      },
    });
    if (open) await client.query('commit');
    open = false;
    return result;
  } catch (error) {
    if (open) {
      await client.query('rollback').catch(() => {
        broken = true;
      });
    }
    throw error;
  } finally {
    // A connection that could not even roll back is dropped, not handed to the next caller.
    client.release(broken);
  }
}
