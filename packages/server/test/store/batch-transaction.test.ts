import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inBatchTransaction } from '../../src/store/batch-transaction';
import { openStore, type Store } from '../../src/store/database';
import { createTestDatabase, type TestDatabase, usingRealPostgres } from '../helpers/test-database';

/**
 * The group commit's transaction (store/batch-transaction.ts) on whichever database the suite
 * runs on: on Postgres its BEGIN and COMMIT ride with its statements, so how it ends (a write,
 * no write, a failure) is the code's to get right, not the query builder's.
 */
describe('the group commit transaction', () => {
  let database: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    database = await createTestDatabase();
    store = await openStore({ databaseUrl: database.url });
    await store.db.execute(sql`create table batch_probe (id int primary key, label text not null)`);
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  async function labels(): Promise<string[]> {
    const result = await store.db.execute(sql`select label from batch_probe order by id`);
    return (result as unknown as { rows: { label: string }[] }).rows.map((row) => row.label);
  }

  const rowsOf = (result: unknown) => (result as { rows: Record<string, unknown>[] }).rows;

  it('commits the write, and answers each statement with its own rows', async () => {
    const answered = await inBatchTransaction(store.db, async ({ read, write }) => {
      const before = rowsOf(
        await read('probe_count', sql`select count(*)::int as n from batch_probe`),
      );
      const again = rowsOf(
        await read('probe_count', sql`select count(*)::int as n from batch_probe`),
      );
      const written = rowsOf(
        await write(
          'probe_insert',
          sql`insert into batch_probe values (1, ${"it's \\ $1"}) returning label`,
        ),
      );
      return { before, again, written };
    });
    expect(answered).toEqual({
      before: [{ n: 0 }],
      again: [{ n: 0 }],
      written: [{ label: "it's \\ $1" }],
    });
    expect(await labels()).toEqual(["it's \\ $1"]);
  });

  it('rolls back when the write fails, and the connection serves the next transaction', async () => {
    const failing = inBatchTransaction(store.db, async ({ read, write }) => {
      await read('probe_lock', sql`select id from batch_probe where id = 1 for update`);
      // The primary key is taken: the insert fails, and with it the COMMIT sent along.
      await write('probe_insert', sql`insert into batch_probe values (1, ${'twice'})`);
    });
    await expect(failing).rejects.toThrow(/duplicate key|unique/i);

    for (let attempt = 0; attempt < 12; attempt += 1) {
      await inBatchTransaction(store.db, ({ read }) =>
        read('probe_lock', sql`select id from batch_probe where id = 1 for update nowait`),
      );
    }
    expect(await labels()).toEqual(["it's \\ $1"]);
  });

  it.skipIf(!usingRealPostgres)(
    'fails only the transaction whose connection is cut, and the next one gets a sound connection',
    async () => {
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      try {
        const cut = inBatchTransaction(store.db, async ({ read, write }) => {
          const [backend] = rowsOf(await read('probe_pid', sql`select pg_backend_pid() as pid`));
          await admin.query('select pg_terminate_backend($1)', [backend?.pid]);
          await write('probe_insert_cut', sql`insert into batch_probe values (2, ${'lost'})`);
        });
        await expect(cut).rejects.toThrow();
      } finally {
        await admin.end();
      }
      const written = await inBatchTransaction(store.db, ({ write }) =>
        write('probe_insert_after', sql`insert into batch_probe values (3, ${'after'})`),
      );
      expect(written).toBeDefined();
      expect(await labels()).toEqual(["it's \\ $1", 'after']);
      await store.db.execute(sql`delete from batch_probe where id = 3`);
    },
  );

  it('rolls back what a body that throws wrote, and ends a body that never writes', async () => {
    await expect(
      inBatchTransaction(store.db, async ({ read }) => {
        await read('probe_update', sql`update batch_probe set label = ${'changed'} where id = 1`);
        throw new Error('planning failed');
      }),
    ).rejects.toThrow('planning failed');
    expect(await labels()).toEqual(["it's \\ $1"]);

    // Took the row's lock and returned: the lock ends with the transaction, as NOWAIT shows.
    await inBatchTransaction(store.db, ({ read }) =>
      read('probe_lock_waiting', sql`select id from batch_probe where id = 1 for update`),
    );
    await store.db.transaction((tx) =>
      tx.execute(sql`select id from batch_probe where id = 1 for update nowait`),
    );
  });
});
