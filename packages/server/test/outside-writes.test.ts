import { spawnSync } from 'node:child_process';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse } from './helpers/sse-client';
import { usingRealPostgres } from './helpers/test-database';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUser } from './helpers/test-user';
import { apiFor } from './helpers/api-client';
import { openAuthed } from './helpers/ws-client';

/** Postgres's own command-line client, to change data exactly as an operator would. */
const hasPsql = spawnSync('psql', ['--version']).status === 0;

describe('changes written straight to the database by another service', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const outside = (query: ReturnType<typeof sql>) => server.store.db.execute(query);

  it('reach live streams as ordinary events, with the next seq and a new version', async () => {
    const user = await createTestUser(server);
    const stream = await openSse(`${server.url}/api/events`, user.headers);
    expect(await stream.next()).toMatchObject({ event: 'ready', data: { seq: 0 } });

    await outside(
      sql`insert into notes (id, user_id, title, content) values ('6f1c1a52-3c3e-4a59-9a51-6b1bb1f9d001', ${user.userId}, 'From ETL', 'imported')`,
    );
    const created = await stream.next();
    expect(created).toMatchObject({
      id: '1',
      event: 'note_created_sync',
      data: {
        seq: 1,
        fromUserId: 'server',
        noteData: { title: 'From ETL', content: 'imported', version: 1, tags: [], deleted: false },
      },
    });

    await outside(
      sql`update notes set title = 'Renamed', starred = true where id = '6f1c1a52-3c3e-4a59-9a51-6b1bb1f9d001'`,
    );
    expect(await stream.next()).toMatchObject({
      id: '2',
      event: 'note_sync',
      data: {
        noteId: '6f1c1a52-3c3e-4a59-9a51-6b1bb1f9d001',
        changes: { title: 'Renamed', starred: true },
        updatedNote: { title: 'Renamed', starred: true, version: 2 },
      },
    });

    await outside(sql`delete from notes where id = '6f1c1a52-3c3e-4a59-9a51-6b1bb1f9d001'`);
    expect(await stream.next()).toMatchObject({
      id: '3',
      event: 'note_deleted_sync',
      data: { noteId: '6f1c1a52-3c3e-4a59-9a51-6b1bb1f9d001', permanent: true },
    });
    stream.close();
  });

  it.skipIf(!usingRealPostgres || !hasPsql)(
    'a direct UPDATE typed in psql reaches a WebSocket client that joined the note (real Postgres only)',
    async () => {
      const user = await createTestUser(server);
      const api = apiFor(server, user.headers);
      const { body } = await api<{ note: { id: string } }>('POST', '/api/notes', {
        title: 'Draft',
      });
      const client = await openAuthed(server.wsUrl, user.accessToken);
      client.send({ type: 'join_note', noteId: body.note.id });
      await client.nextOfType('note_joined');
      const psql = spawnSync(
        'psql',
        [
          server.databaseUrl!,
          '-v',
          'ON_ERROR_STOP=1',
          '-c',
          `UPDATE notes SET content = 'typed in psql' WHERE id = '${body.note.id}'`,
        ],
        { encoding: 'utf8' },
      );
      expect(psql.status, psql.stderr).toBe(0);
      expect(await client.nextOfType('note_sync')).toMatchObject({
        noteId: body.note.id,
        fromUserId: 'server',
        changes: { content: 'typed in psql' },
        updatedNote: { content: 'typed in psql', version: 2 },
      });
      client.close();
    },
  );

  it('records folder changes and ignores updates that change nothing visible', async () => {
    const user = await createTestUser(server);
    const stream = await openSse(`${server.url}/api/events`, user.headers);
    await stream.next();
    await outside(
      sql`insert into folders (id, user_id, name) values ('0a4f3c52-3c3e-4a59-9a51-6b1bb1f9d002', ${user.userId}, 'Inbox')`,
    );
    await outside(
      sql`update folders set updated_at = now() where id = '0a4f3c52-3c3e-4a59-9a51-6b1bb1f9d002'`,
    );
    await outside(
      sql`update folders set name = 'Archive' where id = '0a4f3c52-3c3e-4a59-9a51-6b1bb1f9d002'`,
    );
    const frames = await stream.take(2);
    expect(frames.map((f) => [f.id, f.event])).toEqual([
      ['1', 'folder_created_sync'],
      ['2', 'folder_updated_sync'],
    ]);
    expect(frames[1]!.data).toMatchObject({ changes: { name: 'Archive' } });
    stream.close();
  });

  it.skipIf(!usingRealPostgres)(
    'catches up on changes made while the listening connection was down (real Postgres only)',
    async () => {
      const user = await createTestUser(server);
      const stream = await openSse(`${server.url}/api/events`, user.headers);
      await stream.next();
      const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
      try {
        const databaseName = new URL(server.databaseUrl!).pathname.slice(1);
        const { rowCount } = await admin.query(
          `select pg_terminate_backend(pid) from pg_stat_activity
            where datname = $1 and query ilike 'LISTEN%'`,
          [databaseName],
        );
        // The outside-change relay's and the Postgres bus's listening connections.
        expect(rowCount).toBe(2);
      } finally {
        await admin.end();
      }
      await outside(
        sql`insert into folders (user_id, name) values (${user.userId}, 'written while the listener was down')`,
      );
      expect(await stream.next(8_000)).toMatchObject({ id: '1', event: 'folder_created_sync' });
      stream.close();
    },
  );
});
