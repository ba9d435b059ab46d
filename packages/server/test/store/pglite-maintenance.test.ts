import { type SQL, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStore, type Store } from '../../src/store/database';
import { scheduleMaintenance } from '../../src/store/maintenance-schedule';
import type { MaintenanceReport } from '../../src/store/pglite-maintenance';
import { users } from '../../src/store/schema';
import { usingRealPostgres } from '../helpers/test-database';
import { startTestServer } from '../helpers/test-server';
import { createTestUser } from '../helpers/test-user';

/** The rows of a raw query (drizzle types `execute`'s result per driver). */
async function rowsOf<Row>(store: Store, query: SQL): Promise<Row[]> {
  return ((await store.db.execute(query)) as unknown as { rows: Row[] }).rows;
}

/** `count` notes for `userId`, in one statement. */
async function insertNotes(store: Store, userId: string, count: number): Promise<void> {
  await store.db.execute(
    sql`insert into notes (user_id, title) select ${userId}, 'n' || g from generate_series(1, ${count}) g`,
  );
}

/** PGlite has no autovacuum: the store's own maintenance does its work. PGlite in both modes. */
describe('embedded database maintenance', () => {
  let store: Store;

  beforeAll(async () => {
    store = await openStore({});
  });
  afterAll(async () => {
    await store.close();
  });

  /** A user of its own with `count` notes, in two statements. */
  async function addNotes(email: string, count: number): Promise<void> {
    const [user] = await store.db
      .insert(users)
      .values({ email, passwordHash: 'unusable' })
      .returning({ id: users.id });
    await insertNotes(store, user!.id, count);
  }

  async function notesActivity() {
    await store.db.execute(sql`select pg_stat_force_next_flush()`);
    const [activity] = await rowsOf<{ dead: number; analyzed: boolean }>(
      store,
      sql`select n_dead_tup::int as dead, last_analyze is not null as analyzed
            from pg_stat_user_tables where relname = 'notes'`,
    );
    return activity!;
  }

  it('vacuums and analyzes a table once enough of it changed, and leaves it alone after', async () => {
    await addNotes('maintenance@example.test', 300);
    // Every row rewritten: 300 dead rows, past 50 plus a fifth of 300 live ones.
    await store.db.execute(sql`update notes set title = title || '!'`);
    expect(await notesActivity()).toEqual({ dead: 300, analyzed: false });

    const first = await store.maintain!();
    expect(first.vacuumed).toContain('public.notes');
    expect(await notesActivity()).toEqual({ dead: 0, analyzed: true });

    // A few more changes stay under both thresholds: nothing to do for this table.
    await store.db.execute(sql`update notes set title = 'again' where title = 'n1!'`);
    const second = await store.maintain!();
    expect([...second.vacuumed, ...second.analyzed]).not.toContain('public.notes');
  });

  it('keeps no statistics on note bodies and change payloads, which ANALYZE would read for nothing', async () => {
    const rows = await rowsOf<{ column: string }>(
      store,
      sql`select attrelid::regclass::text || '.' || attname as "column" from pg_attribute
           where attstattarget = 0 and attnum > 0 order by 1`,
    );
    const columns = rows.map((row) => row.column);
    expect(columns).toEqual([
      'change_log.payload',
      'note_versions.content',
      'note_versions.encrypted_content',
      'notes.content',
      'notes.encrypted_content',
    ]);
  });

  it('analyzes without vacuuming when rows were only added', async () => {
    // 100 more notes: past 50 plus a tenth of the 300, far below the 1,000 inserts a vacuum waits for.
    await addNotes('maintenance-2@example.test', 100);
    const report = await store.maintain!();
    expect(report.analyzed).toContain('public.notes');
    expect(report.vacuumed).not.toContain('public.notes');
  });

  it('analyzes from a coarse sample, and leaves the setting as it found it', async () => {
    // 300 distinct titles: with the default target ANALYZE keeps up to 101 histogram bounds.
    await addNotes('maintenance-coarse@example.test', 300);
    await store.db.execute(sql`update notes set title = 'coarse ' || id`);
    const report = await store.maintain!();
    expect(report.analyzed).toContain('public.notes');
    const [stats] = await rowsOf<{ bounds: number }>(
      store,
      sql`select cardinality(histogram_bounds::text::text[])::int as bounds from pg_stats
           where tablename = 'notes' and attname = 'title'`,
    );
    expect(stats!.bounds).toBeGreaterThan(1);
    expect(stats!.bounds).toBeLessThanOrEqual(11);
    const [setting] = await rowsOf<{ target: string }>(
      store,
      sql`select current_setting('default_statistics_target') as target`,
    );
    expect(setting!.target).toBe('100');
  });
});

describe('maintenance schedule', () => {
  function recordingLog() {
    const info = vi.fn();
    const warn = vi.fn();
    return { log: { info, warn } as unknown as FastifyBaseLogger, info, warn };
  }
  const nothingDone: MaintenanceReport = { vacuumed: [], analyzed: [] };

  it('runs one pass at a time, logs only passes that did something, and stop waits for the pass in flight', async () => {
    const { log, info } = recordingLog();
    let running = 0;
    let overlapped = false;
    let passes = 0;
    let finishPass: (() => void) | undefined;
    const maintain = async (): Promise<MaintenanceReport> => {
      overlapped ||= running > 0;
      running += 1;
      passes += 1;
      // The second pass is slow: later ticks fall due while it runs.
      if (passes === 2) await new Promise<void>((resolve) => (finishPass = resolve));
      running -= 1;
      return passes === 2 ? { vacuumed: ['public.notes'], analyzed: [] } : nothingDone;
    };
    const stop = scheduleMaintenance(maintain, 5, log);
    await vi.waitFor(() => expect(finishPass).toBeDefined());
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(passes).toBe(2);
    let stopped = false;
    const stopping = stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(stopped).toBe(false);
    finishPass!();
    await stopping;
    expect(overlapped).toBe(false);
    expect(info).toHaveBeenCalledTimes(1);
    expect(info.mock.calls[0]![0]).toMatchObject({ vacuumed: ['public.notes'], analyzed: [] });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(passes).toBe(2);
  });

  it('logs a failed pass and tries again at the next interval', async () => {
    const { log, warn } = recordingLog();
    let passes = 0;
    const maintain = async (): Promise<MaintenanceReport> => {
      passes += 1;
      if (passes === 1) throw new Error('database closing');
      return nothingDone;
    };
    const stop = scheduleMaintenance(maintain, 5, log);
    await vi.waitFor(() => expect(passes).toBeGreaterThanOrEqual(2));
    await stop();
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

// With TEST_DATABASE_URL the app's store is that Postgres, whose autovacuum does this work.
describe.skipIf(usingRealPostgres)('the app on embedded PGlite', () => {
  it('runs maintenance on its own every PGLITE_MAINTENANCE_INTERVAL_MS', async () => {
    const server = await startTestServer({ PGLITE_MAINTENANCE_INTERVAL_MS: '100' });
    try {
      const user = await createTestUser(server);
      await insertNotes(server.store, user.userId, 200);
      await vi.waitFor(
        async () => {
          const [notes] = await rowsOf<{ analyzed: boolean }>(
            server.store,
            sql`select last_analyze is not null as analyzed from pg_stat_user_tables where relname = 'notes'`,
          );
          expect(notes?.analyzed).toBe(true);
        },
        { timeout: 5_000, interval: 100 },
      );
    } finally {
      await server.close();
    }
  });
});
