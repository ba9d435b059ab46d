import type { Note, SyncEvent } from '@tidings/protocol';
import { asc, desc, eq } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDataServices } from '../src/domain/data-services';
import { createNoteUpdateBatcher, type NoteUpdateRequest } from '../src/domain/note-update-batcher';
import type { Actor, DataServices } from '../src/domain/services';
import { AppError } from '../src/errors';
import { openStore, type Store } from '../src/store/database';
import { changeLog, folders, notes, noteVersions, users } from '../src/store/schema';
import { eventFromStored } from '../src/sync/change-log-payload';
import { createMemoryHub } from '../src/sync/hub';
import { createTestDatabase, type TestDatabase, usingRealPostgres } from './helpers/test-database';

/** What the hub was asked to publish, in order. */
interface Published {
  userId: string;
  event: SyncEvent;
  originId: string | undefined;
}

describe('group commit of note updates', () => {
  let database: TestDatabase;
  let store: Store;
  let data: DataServices;
  const published: Published[] = [];
  /** A user whose live delivery throws (a broken listener), to prove the batch stays applied. */
  let brokenUser: string | undefined;
  let userCount = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await openStore({ databaseUrl: database.url });
    const hub = createMemoryHub();
    const publish = hub.publish.bind(hub);
    hub.publish = (userId, events, originId) => {
      if (userId === brokenUser) throw new Error('listener failed');
      for (const event of events) published.push({ userId, event, originId });
      publish(userId, events, originId);
    };
    data = createDataServices({ db: store.db, hub, versionSnapshotIntervalMs: 60_000 });
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  async function newUser(): Promise<string> {
    userCount += 1;
    const [row] = await store.db
      .insert(users)
      .values({ email: `batch-${userCount}-${Date.now()}@example.com`, passwordHash: 'x' })
      .returning();
    return (row as { id: string }).id;
  }

  async function newNote(actor: Actor, content = ''): Promise<Note> {
    return data.notes.create(actor, { title: 'n', content });
  }

  /**
   * Runs `work` and counts the transactions it opened: on PGlite through the query builder, on
   * Postgres the BEGINs sent (the group commit's travels with its read, batch-transaction.ts).
   */
  async function countingTransactions<T>(work: () => Promise<T>): Promise<[T, number]> {
    const built = vi.spyOn(store.db, 'transaction');
    const sent = sentToPostgres();
    try {
      const result = await work();
      const begins = sent.texts().filter((text) => /^\s*begin\b/i.test(text)).length;
      return [result, store.kind === 'postgres' ? begins : built.mock.calls.length];
    } finally {
      built.mockRestore();
      sent.stop();
    }
  }

  async function logOf(userId: string) {
    return store.db
      .select()
      .from(changeLog)
      .where(eq(changeLog.userId, userId))
      .orderBy(asc(changeLog.seq));
  }

  it('commits many users and connections in one transaction: consecutive seqs in arrival order, each logged once, no echo', async () => {
    const people = await Promise.all([newUser(), newUser(), newUser()]);
    const noteOf = new Map<string, Note[]>();
    for (const userId of people) {
      noteOf.set(userId, [
        await newNote({ userId, originId: 'setup' }),
        await newNote({ userId, originId: 'setup' }),
      ]);
    }
    published.length = 0;
    const requests = Array.from({ length: 36 }, (_, index) => {
      const userId = people[index % 3] as string;
      const note = (noteOf.get(userId) as Note[])[index % 2] as Note;
      return { userId, originId: `conn-${userId}-${index % 4}`, noteId: note.id, index };
    });
    const [results, transactions] = await countingTransactions(() =>
      Promise.all(
        requests.map(({ userId, originId, noteId, index }) =>
          data.notes.update({ userId, originId }, noteId, { content: `edit ${index}` }),
        ),
      ),
    );
    expect(transactions).toBe(1);

    for (const userId of people) {
      const mine = requests.filter((request) => request.userId === userId);
      const log = await logOf(userId);
      const edits = log.slice(2); // the two creates come first
      // Seqs follow arrival order: the n-th update of this user got the n-th seq after setup.
      expect(edits.map((entry) => entry.seq)).toEqual(mine.map((_, index) => index + 3));
      // The body is stored once, in updatedNote (sync/change-log-payload.ts), and read back whole.
      for (const entry of edits) {
        expect((entry.payload as { changes: object }).changes).not.toHaveProperty('content');
      }
      const stored = edits.map((entry) => eventFromStored(entry.type, entry.seq, entry.payload));
      expect(
        stored.map(
          (event) => (event as unknown as { changes: { content: string } }).changes.content,
        ),
      ).toEqual(mine.map(({ index }) => `edit ${index}`));
      // Each (note, version) exactly once.
      const keys = edits.map((entry) => {
        const { updatedNote } = entry.payload as { updatedNote: Note };
        return `${updatedNote.id}@${updatedNote.version}`;
      });
      expect(new Set(keys).size).toBe(keys.length);

      const out = published.filter((item) => item.userId === userId);
      expect(out.map((item) => item.event.seq)).toEqual(mine.map((_, index) => index + 3));
      expect(out.map((item) => item.originId)).toEqual(mine.map((request) => request.originId));
    }
    // Each note went up one version per update, and ends with its last content.
    for (const [userId, owned] of noteOf) {
      for (const [position, note] of owned.entries()) {
        const touching = requests.filter(
          (request) => request.userId === userId && request.noteId === note.id,
        );
        const [row] = await store.db.select().from(notes).where(eq(notes.id, note.id));
        expect(row?.version).toBe(1 + touching.length);
        expect(row?.content).toBe(`edit ${touching.at(-1)?.index}`);
        expect(position).toBeLessThan(2);
      }
    }
    expect(results.every((note) => note.version > 1)).toBe(true);
  });

  it('fails only the items that fail: a conflict, a foreign note, a foreign folder', async () => {
    const [alice, bob] = [await newUser(), await newUser()];
    const own = await newNote({ userId: alice });
    const stale = await newNote({ userId: alice });
    await data.notes.update({ userId: alice }, stale.id, { content: 'moved on' });
    const foreign = await newNote({ userId: bob });
    const [aliceFolder] = await store.db
      .insert(folders)
      .values({ userId: alice, name: 'mine' })
      .returning();
    const [bobFolder] = await store.db
      .insert(folders)
      .values({ userId: bob, name: 'his' })
      .returning();
    const before = (await logOf(alice)).length;

    const [settled, transactions] = await countingTransactions(() =>
      Promise.allSettled([
        data.notes.update({ userId: alice }, own.id, { content: 'fine' }),
        data.notes.update({ userId: alice }, stale.id, { content: 'late' }, 1),
        data.notes.update({ userId: alice }, foreign.id, { content: 'not mine' }),
        data.notes.update({ userId: alice }, own.id, { folderId: bobFolder?.id ?? null }),
        data.notes.update({ userId: alice }, own.id, { folderId: aliceFolder?.id ?? null }, 2),
      ]),
    );
    expect(transactions).toBe(1);
    const codes = settled.map((result) =>
      result.status === 'fulfilled' ? 'ok' : (result.reason as AppError).code,
    );
    expect(codes).toEqual(['ok', 'VERSION_CONFLICT', 'NOT_FOUND', 'VALIDATION_FAILED', 'ok']);
    const conflict = (settled[1] as PromiseRejectedResult).reason as AppError;
    expect(conflict.details).toMatchObject({ current: { content: 'moved on', version: 2 } });
    expect((settled[4] as PromiseFulfilledResult<Note>).value).toMatchObject({
      content: 'fine',
      folderId: aliceFolder?.id,
      version: 3,
    });
    expect((await logOf(alice)).length).toBe(before + 2);
    const [foreignRow] = await store.db.select().from(notes).where(eq(notes.id, foreign.id));
    expect(foreignRow).toMatchObject({ content: '', version: 1 });
  });

  it('applies two updates of one note in one batch in arrival order', async () => {
    const userId = await newUser();
    const note = await newNote({ userId });
    const [settled] = await countingTransactions(() =>
      Promise.allSettled([
        data.notes.update({ userId, originId: 'a' }, note.id, { title: 'first' }, 1),
        data.notes.update({ userId, originId: 'b' }, note.id, { content: 'second' }, 2),
        data.notes.update({ userId, originId: 'c' }, note.id, { content: 'stale' }, 1),
      ]),
    );
    expect(settled.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((settled[1] as PromiseFulfilledResult<Note>).value).toMatchObject({
      title: 'first',
      content: 'second',
      version: 3,
    });
    expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({
      code: 'VERSION_CONFLICT',
      details: { current: { version: 3 } },
    });
    const log = await logOf(userId);
    const versions = log.map((entry) => {
      const payload = entry.payload as { noteData?: Note; updatedNote?: Note };
      return [entry.seq, (payload.updatedNote ?? payload.noteData)?.version];
    });
    expect(versions).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
  });

  it('keeps the version history rules: fold only the same writer, never over another', async () => {
    const userId = await newUser();
    const script: [string, string][] = [
      ['a', 'a1'],
      ['a', 'a2'],
      ['b', 'b1'],
      ['b', 'b2'],
      ['a', 'a3'],
    ];
    // The same edits once in a single batch and once one at a time must leave the same history.
    const batched = await newNote({ userId, originId: 'a' }, 'a0');
    await Promise.all(
      script.map(([originId, content]) =>
        data.notes.update({ userId, originId }, batched.id, { content }),
      ),
    );
    const oneByOne = await newNote({ userId, originId: 'a' }, 'a0');
    for (const [originId, content] of script) {
      await data.notes.update({ userId, originId }, oneByOne.id, { content });
    }
    const history = async (id: string) =>
      (await data.notes.versions(userId, id)).map((entry) => [entry.version, entry.content]);
    const expected = [
      [6, 'a3'],
      [5, 'b2'],
      [3, 'a2'],
    ];
    expect(await history(batched.id)).toEqual(expected);
    expect(await history(oneByOne.id)).toEqual(expected);

    // A revert still starts an entry of its own, even by the writer of the latest one.
    await data.notes.revert({ userId, originId: 'a' }, batched.id, 5);
    expect((await history(batched.id))[0]).toEqual([7, 'b2']);
  });

  it('stores quotes, backslashes and dollar quotes exactly, in the note, its history and its log', async () => {
    const userId = await newUser();
    const note = await newNote({ userId });
    const tricky = `it's \\ 'quoted' \\' $$ $1 E'\\x41' ${'\u00e9\u{1F600}'} --; drop table notes;`;
    const [[updated], transactions] = await countingTransactions(() =>
      Promise.all([
        data.notes.update({ userId, originId: 'a' }, note.id, { content: tricky }),
        data.notes.update({ userId, originId: 'a' }, note.id, { title: tricky }),
      ]),
    );
    // One transaction: the batch itself stored them, not the one-by-one retry after a failure.
    expect(transactions).toBe(1);
    expect(updated.content).toBe(tricky);
    const [row] = await store.db.select().from(notes).where(eq(notes.id, note.id));
    expect(row).toMatchObject({ content: tricky, title: tricky, version: 3 });
    const [entry] = await store.db
      .select()
      .from(noteVersions)
      .where(eq(noteVersions.noteId, note.id))
      .orderBy(desc(noteVersions.version));
    expect(entry).toMatchObject({ version: 3, content: tricky, title: tricky });
    const logged = (await logOf(userId)).at(-1)?.payload as { updatedNote: Note };
    expect(logged.updatedNote).toMatchObject({ content: tricky, title: tricky });
  });

  it.skipIf(!usingRealPostgres)(
    'a batch that waited for another writer reads what it committed: tags, version (real Postgres only)',
    async () => {
      const userId = await newUser();
      const note = await newNote({ userId }, 'before');
      const other = new pg.Client({ connectionString: database.url });
      await other.connect();
      try {
        // Another writer holds the note's lock: it retitles the note and tags it, then commits
        // only once the batch is waiting for that lock.
        await other.query('begin');
        await other.query(`update notes set title = 'retitled' where id = $1`, [note.id]);
        const tag = await other.query(
          `insert into tags (user_id, name) values ($1, 'urgent') returning id`,
          [userId],
        );
        await other.query('insert into note_tags (note_id, tag_id) values ($1, $2)', [
          note.id,
          tag.rows[0].id,
        ]);
        const pending = data.notes.update({ userId, originId: 'a' }, note.id, { content: 'after' });
        await untilWaitingForLock(other);
        await other.query('commit');
        const updated = await pending;
        expect(updated).toMatchObject({
          title: 'retitled',
          content: 'after',
          tags: ['urgent'],
          version: 3,
        });
        const logged = (await logOf(userId)).at(-1)?.payload as { updatedNote: Note };
        expect(logged.updatedNote).toMatchObject({ tags: ['urgent'], version: 3 });
      } finally {
        await other.query('rollback').catch(() => undefined);
        await other.end();
      }
    },
  );

  it.skipIf(!usingRealPostgres)(
    'a lone update is two round trips on Postgres: BEGIN with the read, COMMIT with the write',
    async () => {
      const userId = await newUser();
      const note = await newNote({ userId });
      const sent = sentToPostgres();
      try {
        await data.notes.update({ userId, originId: 'a' }, note.id, { content: 'alone' });
        const texts = sent.texts();
        expect(texts).toHaveLength(2);
        expect(texts[0]).toMatch(/^begin; /);
        expect(texts[1]).toMatch(/; commit$/);
      } finally {
        sent.stop();
      }
      const [row] = await store.db.select().from(notes).where(eq(notes.id, note.id));
      expect(row).toMatchObject({ content: 'alone', version: 2 });
    },
  );

  it('never applies a committed batch twice when publishing fails for one user', async () => {
    const [ok, broken] = [await newUser(), await newUser()];
    const [okNote, brokenNote] = [await newNote({ userId: ok }), await newNote({ userId: broken })];
    brokenUser = broken;
    try {
      const settled = await Promise.allSettled([
        data.notes.update({ userId: ok }, okNote.id, { content: 'fine' }),
        data.notes.update({ userId: broken }, brokenNote.id, { content: 'saved' }),
      ]);
      expect(settled.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
    } finally {
      brokenUser = undefined;
    }
    for (const id of [okNote.id, brokenNote.id]) {
      const [row] = await store.db.select().from(notes).where(eq(notes.id, id));
      expect(row?.version).toBe(2);
    }
    expect((await logOf(broken)).map((entry) => entry.seq)).toEqual([1, 2]);
  });
});

/** The texts node-postgres' clients send from now on (a query is a round trip), until `stop`. */
function sentToPostgres(): { texts(): string[]; stop(): void } {
  const spy = vi.spyOn(pg.Client.prototype, 'query');
  return {
    texts: () =>
      spy.mock.calls.map(([query]) =>
        typeof query === 'string' ? query : ((query as { text?: string }).text ?? ''),
      ),
    stop: () => spy.mockRestore(),
  };
}

/** Resolves once some other session of this database is waiting for a row lock (10 s at most). */
async function untilWaitingForLock(client: pg.Client): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error('no session started waiting for the lock');
    const { rows } = await client.query(
      `select count(*)::int as waiting from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'`,
    );
    if ((rows[0] as { waiting: number }).waiting > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('note update batcher', () => {
  const request = (noteId: string): NoteUpdateRequest => ({
    actor: { userId: 'u' },
    noteId,
    changes: { content: noteId },
    baseVersion: undefined,
  });
  const note = (id: string) => ({ id }) as Note;

  it('splits what arrives together into batches of at most maxBatch, in order', async () => {
    const batches: string[][] = [];
    const batcher = createNoteUpdateBatcher({
      windowMs: 0,
      maxBatch: 2,
      applyBatch: async (requests) => {
        batches.push(requests.map((item) => item.noteId));
        return requests.map((item) => ({ ok: true, note: note(item.noteId) }));
      },
      applyOne: async () => {
        throw new Error('not used');
      },
    });
    const results = await Promise.all(
      ['1', '2', '3', '4', '5'].map((id) => batcher.submit(request(id))),
    );
    expect(results.map((item) => item.note.id)).toEqual(['1', '2', '3', '4', '5']);
    expect(batches).toEqual([['1', '2'], ['3', '4'], ['5']]);
  });

  it('retries each write alone when a whole batch fails, so only the culprit fails', async () => {
    const alone: string[] = [];
    const batcher = createNoteUpdateBatcher({
      windowMs: 1,
      maxBatch: 10,
      applyBatch: async () => {
        throw new Error('deadlock detected');
      },
      applyOne: async (item) => {
        alone.push(item.noteId);
        if (item.noteId === 'bad') throw new AppError('VALIDATION_FAILED');
        return note(item.noteId);
      },
    });
    const settled = await Promise.allSettled(
      ['x', 'bad', 'y'].map((id) => batcher.submit(request(id))),
    );
    expect(settled.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(alone).toEqual(['x', 'bad', 'y']);
  });
});
