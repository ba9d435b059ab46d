import { setImmediate as nextTurn } from 'node:timers/promises';
import type { PGlite } from '@electric-sql/pglite';

/** The tables one maintenance pass vacuumed and those it analyzed (a table may be in both). */
export interface MaintenanceReport {
  vacuumed: string[];
  analyzed: string[];
}

interface TableActivity {
  schema: string;
  table: string;
  live: number;
  dead: number;
  modifiedSinceAnalyze: number;
  insertedSinceVacuum: number;
}

/**
 * Postgres' own autovacuum defaults: a table is vacuumed once its dead rows pass 50 plus a
 * fifth of its live ones (or, for a table that is only appended to, 1,000 inserts plus a fifth),
 * and analyzed once 50 plus a tenth of its rows changed. So a pass costs in proportion to what
 * changed, and a large table is visited rarely.
 *
 * One difference: here the work holds the event loop, so the inserts a vacuum waits for are
 * capped. A vacuum after inserts only reads the pages added since the last one (about 100 ms for
 * 50,000 change-log entries), so a large change log is vacuumed in such steps instead of a fifth
 * of it at once; and without them the first vacuum after the retention's deletes would read the
 * whole log.
 */
const VACUUM_BASE = 50;
const VACUUM_SCALE = 0.2;
const INSERT_VACUUM_BASE = 1_000;
const INSERT_VACUUM_SCALE = 0.2;
const INSERT_VACUUM_MAX = 50_000;
const ANALYZE_BASE = 50;
const ANALYZE_SCALE = 0.1;

/**
 * The statistics target of the pass's ANALYZE (Postgres' default is 100). ANALYZE samples 300
 * rows per point of it, so 10 reads 3,000 rows instead of 30,000, and each table's call holds
 * the event loop that much less: after 20,000 new notes the longest call of a pass fell from 59
 * and 93 ms to 28 to 31 ms (four runs), and a lone update after the pass took p50 4.26 to 6.74 ms
 * against 4.66 and 6.48, within this machine's spread (`npx tsx bench/src/data-layer.ts
 * --on-disk --grow 20000`). The hot statements find rows by id or by user, for which a coarse
 * histogram is enough.
 */
const ANALYZE_STATISTICS_TARGET = 10;

/**
 * What autovacuum does on a real Postgres, for PGlite, which has no autovacuum: it runs as a
 * single backend. Without it a long-running embedded server degrades as its tables grow:
 * - the hot statements are prepared once (prepared-statements.ts) and their plan is kept until
 *   a table's statistics change, which only ANALYZE does. A plan made while `notes` held a few
 *   rows scans all of them for every update: with 20,000 more notes in an account a lone update
 *   took 8.5 to 12.7 ms, and 2.2 to 2.6 after one pass (1.6 before the growth;
 *   `npx tsx bench/src/data-layer.ts --on-disk --grow 20000 [--skip-maintenance]`);
 * - every update leaves a dead row and index entries behind that only VACUUM reclaims.
 *
 * PGlite keeps its activity counters in the backend until it is idle, so they are flushed
 * first. Each table goes in its own call: the WebAssembly runs on the event loop, and other
 * work gets its turn between tables.
 */
export async function maintainPglite(client: PGlite): Promise<MaintenanceReport> {
  await client.query('select pg_stat_force_next_flush()');
  const { rows } = await client.query<TableActivity>(
    `select schemaname as schema, relname as "table", n_live_tup::float8 as live,
            n_dead_tup::float8 as dead, n_mod_since_analyze::float8 as "modifiedSinceAnalyze",
            n_ins_since_vacuum::float8 as "insertedSinceVacuum"
       from pg_stat_user_tables order by schemaname, relname`,
  );
  const report: MaintenanceReport = { vacuumed: [], analyzed: [] };
  const due = rows
    .map((activity) => ({
      activity,
      vacuum: needsVacuum(activity),
      analyze: needsAnalyze(activity),
    }))
    .filter(({ vacuum, analyze }) => vacuum || analyze);
  if (due.length === 0) return report;
  // The app's statements in between are not affected: the target only matters to ANALYZE.
  await client.exec(`set default_statistics_target = ${ANALYZE_STATISTICS_TARGET}`);
  try {
    for (const { activity, vacuum, analyze } of due) {
      const name = `${quoteIdentifier(activity.schema)}.${quoteIdentifier(activity.table)}`;
      const label = `${activity.schema}.${activity.table}`;
      // ANALYZE reads a sample whatever the table's size: only when due.
      const command = vacuum && analyze ? 'vacuum (analyze)' : vacuum ? 'vacuum' : 'analyze';
      await client.exec(`${command} ${name}`);
      if (vacuum) report.vacuumed.push(label);
      if (analyze) report.analyzed.push(label);
      // A resolved query continues this loop before any socket is read: let them in first.
      await nextTurn();
    }
  } finally {
    await client.exec('reset default_statistics_target');
  }
  return report;
}

function needsVacuum({ live, dead, insertedSinceVacuum }: TableActivity): boolean {
  return (
    dead > VACUUM_BASE + VACUUM_SCALE * live ||
    insertedSinceVacuum >
      INSERT_VACUUM_BASE + Math.min(INSERT_VACUUM_SCALE * live, INSERT_VACUUM_MAX)
  );
}

function needsAnalyze({ live, modifiedSinceAnalyze }: TableActivity): boolean {
  return modifiedSinceAnalyze > ANALYZE_BASE + ANALYZE_SCALE * live;
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
