import type { Note, NoteVersion } from '@tidings/protocol';
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeLog, sessions } from '../src/store/schema';
import { type Api, apiFor, type ErrorBody } from './helpers/api-client';
import { openSse } from './helpers/sse-client';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUser, type TestUser } from './helpers/test-user';

type NoteBody = { note: Note };

describe('notes REST API', () => {
  let server: TestServer;
  let user: TestUser;
  let api: Api;

  beforeAll(async () => {
    // Every edit is its own history entry, so revert can be tested without waiting.
    server = await startTestServer({ VERSION_SNAPSHOT_INTERVAL_MS: '0' });
    user = await createTestUser(server);
    api = apiFor(server, user.headers);
  });
  afterAll(() => server.close());

  it('creates, reads, updates and lists a note, one version per change', async () => {
    const created = await api<NoteBody>('POST', '/api/notes', { title: 'Plan', content: 'a' });
    expect(created.status).toBe(201);
    const note = created.body.note;
    expect(note).toMatchObject({ title: 'Plan', content: 'a', version: 1, deleted: false });

    const updated = await api<NoteBody>('PATCH', `/api/notes/${note.id}`, {
      content: 'ab',
      starred: true,
      tags: ['work', 'Later'],
    });
    expect(updated.status).toBe(200);
    expect(updated.body.note).toMatchObject({
      content: 'ab',
      starred: true,
      tags: ['Later', 'work'],
      version: 2,
    });

    const read = await api<NoteBody>('GET', `/api/notes/${note.id}`);
    expect(read.body.note).toEqual(updated.body.note);

    const starred = await api<{ notes: Note[] }>('GET', '/api/notes?starred=true');
    expect(starred.body.notes.map((n) => n.id)).toContain(note.id);
    const byTag = await api<{ notes: Note[] }>('GET', '/api/notes?tag=WORK');
    expect(byTag.body.notes.map((n) => n.id)).toEqual([note.id]);
  });

  it('renders a note exactly as the outside-writer trigger does', async () => {
    const { body } = await api<NoteBody>('POST', '/api/notes', {
      title: 'Same shape',
      content: 'x',
      tags: ['b', 'B2', 'a'],
      encryptedTitle: 'ciphertext',
    });
    const result = await server.store.db.execute(
      sql`select tidings_note_json(n) as json from notes n where n.id = ${body.note.id}`,
    );
    const rows = (result as unknown as { rows: { json: unknown }[] }).rows;
    expect(rows[0]?.json).toEqual(body.note);
  });

  it('does not write or log a change that changes nothing', async () => {
    const { body } = await api<NoteBody>('POST', '/api/notes', { title: 'Same' });
    const before = await changeLogCount(server, user.userId);
    const again = await api<NoteBody>('PATCH', `/api/notes/${body.note.id}`, { title: 'Same' });
    expect(again.body.note.version).toBe(1);
    expect(await changeLogCount(server, user.userId)).toBe(before);
  });

  it('refuses a stale baseVersion with VERSION_CONFLICT and the current note', async () => {
    const { body } = await api<NoteBody>('POST', '/api/notes', { title: 'v1' });
    await api('PATCH', `/api/notes/${body.note.id}`, { title: 'v2', baseVersion: 1 });
    const conflict = await api<ErrorBody>('PATCH', `/api/notes/${body.note.id}`, {
      title: 'mine',
      baseVersion: 1,
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('VERSION_CONFLICT');
    expect(conflict.body.error.details).toMatchObject({ current: { title: 'v2', version: 2 } });
    const read = await api<NoteBody>('GET', `/api/notes/${body.note.id}`);
    expect(read.body.note.title).toBe('v2');
  });

  it('applies a create replayed with the same id once', async () => {
    const id = randomUUID();
    const before = await changeLogCount(server, user.userId);
    const first = await api<NoteBody>('POST', '/api/notes', { id, title: 'Offline' });
    const replay = await api<NoteBody>('POST', '/api/notes', { id, title: 'Offline' });
    expect(first.status).toBe(201);
    expect(replay.body.note).toEqual(first.body.note);
    expect(await changeLogCount(server, user.userId)).toBe(before + 1);
  });

  it('keeps a version history and reverts to an old version as a new one', async () => {
    const { body } = await api<NoteBody>('POST', '/api/notes', { title: 'T', content: 'one' });
    await api('PATCH', `/api/notes/${body.note.id}`, { content: 'two' });
    await api('PATCH', `/api/notes/${body.note.id}`, { content: 'three' });
    const history = await api<{ versions: NoteVersion[] }>(
      'GET',
      `/api/notes/${body.note.id}/versions`,
    );
    expect(history.body.versions.map((v) => [v.version, v.content])).toEqual([
      [3, 'three'],
      [2, 'two'],
      [1, 'one'],
    ]);
    const reverted = await api<NoteBody>('POST', `/api/notes/${body.note.id}/versions/1/revert`);
    expect(reverted.body.note).toMatchObject({ content: 'one', version: 4 });
    const missing = await api<ErrorBody>('POST', `/api/notes/${body.note.id}/versions/99/revert`);
    expect(missing.status).toBe(404);
  });

  it('moves a note to the trash, restores it, and deletes it for good', async () => {
    const { body } = await api<NoteBody>('POST', '/api/notes', { title: 'Bin me' });
    const id = body.note.id;
    expect((await api('DELETE', `/api/notes/${id}`)).status).toBe(204);
    const trash = await api<{ notes: Note[] }>('GET', '/api/notes?deleted=true');
    expect(trash.body.notes.map((n) => n.id)).toContain(id);
    const live = await api<{ notes: Note[] }>('GET', '/api/notes');
    expect(live.body.notes.map((n) => n.id)).not.toContain(id);

    const restored = await api<NoteBody>('POST', `/api/notes/${id}/restore`);
    expect(restored.body.note.deleted).toBe(false);

    expect((await api('DELETE', `/api/notes/${id}?permanent=true`)).status).toBe(204);
    expect((await api('GET', `/api/notes/${id}`)).status).toBe(404);
  });

  it('pages through notes without skipping or repeating one', async () => {
    const other = await createTestUser(server);
    const otherApi = apiFor(server, other.headers);
    const ids = new Set<string>();
    for (let i = 0; i < 7; i++) {
      ids.add((await otherApi<NoteBody>('POST', '/api/notes', { title: `n${i}` })).body.note.id);
    }
    const pageThrough = async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `&cursor=${cursor}` : '';
        const page = await otherApi<{ notes: Note[]; nextCursor: string | null }>(
          'GET',
          `/api/notes?limit=3${query}`,
        );
        seen.push(...page.body.notes.map((n) => n.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      return seen;
    };
    const seen = await pageThrough();
    expect(seen).toHaveLength(7);
    expect(new Set(seen)).toEqual(ids);

    // One outside statement gives every note the very same updated_at: ties go by id.
    await server.store.db.execute(
      sql`update notes set starred = not starred where user_id = ${other.userId}`,
    );
    const tied = await pageThrough();
    expect(tied).toHaveLength(7);
    expect(new Set(tied)).toEqual(ids);

    const bad = await otherApi<ErrorBody>('GET', '/api/notes?cursor=bm90LWEtY3Vyc29y');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('searches title and content case-insensitively, treating % and _ literally', async () => {
    const other = await createTestUser(server);
    const otherApi = apiFor(server, other.headers);
    await otherApi('POST', '/api/notes', { title: 'Groceries', content: 'Buy MILK' });
    await otherApi('POST', '/api/notes', { title: '100% done' });
    await otherApi('POST', '/api/notes', { title: 'nothing here' });
    const milk = await otherApi<{ notes: Note[] }>('GET', '/api/notes?q=milk');
    expect(milk.body.notes.map((n) => n.title)).toEqual(['Groceries']);
    const percent = await otherApi<{ notes: Note[] }>(
      'GET',
      `/api/notes?q=${encodeURIComponent('%')}`,
    );
    expect(percent.body.notes.map((n) => n.title)).toEqual(['100% done']);
  });

  it("answers another user's note, and a malformed id, with 404 and changes nothing", async () => {
    const { body } = await api<NoteBody>('POST', '/api/notes', { title: 'Private' });
    const intruder = apiFor(server, (await createTestUser(server)).headers);
    for (const [method, suffix, payload] of [
      ['GET', '', undefined],
      ['PATCH', '', { title: 'pwned' }],
      ['DELETE', '', undefined],
      ['GET', '/versions', undefined],
    ] as const) {
      const answer = await intruder<ErrorBody>(
        method,
        `/api/notes/${body.note.id}${suffix}`,
        payload,
      );
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('NOT_FOUND');
    }
    expect((await intruder('GET', '/api/notes/not-a-uuid')).status).toBe(404);
    expect((await api<NoteBody>('GET', `/api/notes/${body.note.id}`)).body.note.title).toBe(
      'Private',
    );
  });

  it('answers an oversized body with 413 and malformed JSON with 400, changing nothing', async () => {
    const { body } = await api<NoteBody>('POST', '/api/notes', { title: 'Small' });
    const huge = await api<ErrorBody>('PATCH', `/api/notes/${body.note.id}`, {
      content: 'x'.repeat(server.config.bodyLimitBytes + 1),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    const malformed = await fetch(`${server.url}/api/notes/${body.note.id}`, {
      method: 'PATCH',
      headers: { ...user.headers, 'content-type': 'application/json' },
      body: '{"title": ',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as ErrorBody).error.code).toBe('VALIDATION_FAILED');
    const read = await api<NoteBody>('GET', `/api/notes/${body.note.id}`);
    expect(read.body.note).toMatchObject({ title: 'Small', version: 1 });
  });

  it('rejects bad bodies with VALIDATION_FAILED and details', async () => {
    const { body } = await api<NoteBody>('POST', '/api/notes', { title: 'x' });
    const cases: unknown[] = [
      { title: 5 },
      { userId: randomUUID() },
      { version: 9 },
      JSON.parse('{"__proto__": {"admin": true}}'),
      { folderId: 'nope' },
      { tags: 'work' },
    ];
    for (const bad of cases) {
      const answer = await api<ErrorBody>('PATCH', `/api/notes/${body.note.id}`, bad);
      expect(answer.status, JSON.stringify(bad)).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_FAILED');
      expect(answer.body.error.details, JSON.stringify(answer.body)).toBeInstanceOf(Array);
    }
    // Schema failures name the field to fix.
    const typed = await api<ErrorBody>('PATCH', `/api/notes/${body.note.id}`, { title: 5 });
    expect(typed.body.error.details).toEqual([expect.objectContaining({ path: 'title' })]);
    // Text the database cannot store (a NUL, half a surrogate pair) is a 400 naming the field,
    // on creates and updates alike; nothing is written.
    const unstorable: [string, unknown, string][] = [
      ['PATCH', { content: 'a\u0000b' }, 'content'],
      ['PATCH', { title: 'T\ud800' }, 'title'],
      ['PATCH', { tags: ['ok', '\udc00x'] }, 'tags.1'],
      ['POST', { title: 'x\u0000' }, 'title'],
    ];
    for (const [method, bad, path] of unstorable) {
      const url = method === 'POST' ? '/api/notes' : `/api/notes/${body.note.id}`;
      const answer = await api<ErrorBody>(method, url, bad);
      expect(answer.status, path).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_FAILED');
      expect(answer.body.error.details).toEqual([expect.objectContaining({ path })]);
    }
    expect((await api<NoteBody>('GET', `/api/notes/${body.note.id}`)).body.note).toEqual(body.note);
    // A well-formed pair (an emoji) is ordinary text.
    const emoji = await api<NoteBody>('PATCH', `/api/notes/${body.note.id}`, {
      title: 'ok \ud83d\ude00',
    });
    expect(emoji.body.note.title).toBe('ok \u{1F600}');
    const badQuery = await api<ErrorBody>('GET', '/api/notes?starred=yes');
    expect(badQuery.status).toBe(400);
  });

  it("refuses a folderId that is not one of the user's folders", async () => {
    const stranger = apiFor(server, (await createTestUser(server)).headers);
    const theirs = await stranger<{ folder: { id: string } }>('POST', '/api/folders', {
      name: 'Theirs',
    });
    const answer = await api<ErrorBody>('POST', '/api/notes', { folderId: theirs.body.folder.id });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('delivers every REST write to a live stream once, with its seq', async () => {
    const watcher = await createTestUser(server);
    const watcherApi = apiFor(server, watcher.headers);
    const stream = await openSse(`${server.url}/api/events`, watcher.headers);
    await stream.next(); // ready
    const { body } = await watcherApi<NoteBody>('POST', '/api/notes', { title: 'Live' });
    await watcherApi('PATCH', `/api/notes/${body.note.id}`, { content: 'typed' });
    await watcherApi('DELETE', `/api/notes/${body.note.id}`);
    const frames = await stream.take(3);
    stream.close();
    expect(frames.map((f) => [f.event, f.id])).toEqual([
      ['note_created_sync', '1'],
      ['note_sync', '2'],
      ['note_deleted_sync', '3'],
    ]);
    expect(frames[1]?.data).toMatchObject({
      noteId: body.note.id,
      changes: { content: 'typed' },
      updatedNote: { content: 'typed', version: 2 },
    });
    expect(frames[2]?.data).toMatchObject({ permanent: false });
  });
});

describe('version history with the default snapshot interval', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  /** A second signed-in device of the same user. */
  async function secondSession(user: TestUser): Promise<Api> {
    const [session] = await server.store.db
      .insert(sessions)
      .values({ userId: user.userId, expiresAt: new Date(Date.now() + 3_600_000) })
      .returning({ id: sessions.id });
    const { token } = await server.app.context.accessTokens.sign(user.userId, session!.id);
    return apiFor(server, { authorization: `Bearer ${token}` });
  }

  it("folds one device's typing, keeps another device's overwrite and every revert apart", async () => {
    const user = await createTestUser(server);
    const laptop = apiFor(server, user.headers);
    const phone = await secondSession(user);
    const { body } = await laptop<NoteBody>('POST', '/api/notes', { title: 'T', content: 'a' });
    const id = body.note.id;
    await laptop('PUT', `/api/notes/${id}`, { content: 'ab' });
    await laptop('PUT', `/api/notes/${id}`, { content: 'abc' });
    const overwrite = await phone<NoteBody>('PATCH', `/api/notes/${id}`, {
      content: 'from the phone',
      baseVersion: 3,
    });
    expect(overwrite.body.note.version).toBe(4);
    const history = async () =>
      (await laptop<{ versions: NoteVersion[] }>('GET', `/api/notes/${id}/versions`)).body.versions;
    // The laptop's burst is one entry (ended at v3); the phone's overwrite did not erase it.
    expect((await history()).map((v) => [v.version, v.content])).toEqual([
      [4, 'from the phone'],
      [3, 'abc'],
    ]);

    const reverted = await laptop<NoteBody>('POST', `/api/notes/${id}/revert`, { version: 3 });
    expect(reverted.body.note).toMatchObject({ content: 'abc', version: 5 });
    expect((await history()).map((v) => v.version)).toEqual([5, 4, 3]);
  });
});

async function changeLogCount(server: TestServer, userId: string): Promise<number> {
  const rows = await server.store.db
    .select({ seq: changeLog.seq })
    .from(changeLog)
    .where(eq(changeLog.userId, userId));
  return rows.length;
}
