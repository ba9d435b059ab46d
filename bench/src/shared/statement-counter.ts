import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** What the database drivers were asked to do since the counter started. */
export interface StatementCounts {
  /** SQL statements sent, BEGIN and COMMIT included. */
  statements: number;
  /** Transactions opened (BEGIN). */
  transactions: number;
  /**
   * Calls into the database: on PGlite each protocol message is a call into WebAssembly (a
   * parameterised query is six: parse, describe, bind, describe, execute, sync; a simple query
   * is two); on Postgres each statement is one network round trip.
   */
  calls: number;
}

const counts: StatementCounts = { statements: 0, transactions: 0, calls: 0 };
let installed = false;

/** First byte of a frontend message: Query (simple protocol) and Parse (extended protocol). */
const QUERY = 0x51;
const PARSE = 0x50;

/**
 * Counts at the drivers, below drizzle: PGlite's protocol messages and node-postgres' queries.
 * Install before opening the store; counting is process-wide, so run one thing at a time.
 */
export function installStatementCounter(): void {
  if (installed) return;
  installed = true;
  const execProtocolStream = PGlite.prototype.execProtocolStream;
  PGlite.prototype.execProtocolStream = function counted(message, options) {
    counts.calls += 1;
    if (message[0] === QUERY || message[0] === PARSE) {
      counts.statements += statementsIn(message);
      if (message[0] === QUERY && /^\s*begin/i.test(messageText(message))) counts.transactions += 1;
    }
    return execProtocolStream.call(this, message, options);
  };
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (pg.Client.prototype as { query: unknown }).query = function counted(
    this: pg.Client,
    ...args: unknown[]
  ) {
    const [first] = args;
    const text = typeof first === 'string' ? first : (first as { text?: string }).text;
    counts.calls += 1;
    counts.statements += 1;
    if (text !== undefined && /^\s*begin/i.test(text)) counts.transactions += 1;
    return query.apply(this, args);
  };
}

/** The counts so far; subtract two snapshots to count one piece of work. */
export function statementCounts(): StatementCounts {
  return { ...counts };
}

export function countsSince(before: StatementCounts): StatementCounts {
  const now = statementCounts();
  return {
    statements: now.statements - before.statements,
    transactions: now.transactions - before.transactions,
    calls: now.calls - before.calls,
  };
}

/** A simple query may hold several statements separated by semicolons: count them. */
function statementsIn(message: Uint8Array): number {
  if (message[0] !== QUERY) return 1;
  const text = messageText(message).trim().replace(/;\s*$/, '');
  return text.split(/;\s*(?=\S)/).length;
}

/** The SQL text of a Query or Parse message (type byte, length, then NUL-terminated text). */
function messageText(message: Uint8Array): string {
  const start = message[0] === PARSE ? message.indexOf(0, 5) + 1 : 5;
  return new TextDecoder().decode(message.subarray(start, message.indexOf(0, start)));
}
