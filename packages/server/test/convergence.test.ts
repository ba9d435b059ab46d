import type { Note } from '@tidings/protocol';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notes, users } from '../src/store/schema';
import { type ChangeFollower, EventFollower } from './helpers/event-follower';
import { RestWriter } from './helpers/rest-writer';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUser } from './helpers/test-user';
import { WsFollower } from './helpers/ws-follower';
import { WsWriter } from './helpers/ws-writer';

/** Bounded by time and by count: a few seconds of edits, a cut every CUT_EVERY_MS. */
const EDIT_FOR_MS = 4_000;
const CUT_EVERY_MS = 150;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('convergence: one user, many clients, connections cut at random', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      WS_RATE_LIMIT_MAX_MESSAGES: '100000',
      WS_MAX_CONNECTIONS_PER_USER: '100',
    });
  });
  afterAll(() => server.close());

  it('ends with every client equal to the database, each change applied once', async () => {
    const user = await createTestUser(server);
    const urls = () => [server.url];
    const wsUrls = () => [server.wsUrl];
    const followers: ChangeFollower[] = [
      new WsFollower(wsUrls, user.accessToken),
      new WsFollower(wsUrls, user.accessToken),
      new EventFollower(urls, user.headers),
      new EventFollower(urls, user.headers),
    ];
    const restWriters = [
      new RestWriter(user.headers, urls, { deletes: true, pauseMs: 10 }),
      new RestWriter(user.headers, urls, { deletes: true, pauseMs: 10 }),
    ];
    const wsWriters = [
      new WsWriter(wsUrls, user.accessToken, { deletes: true, pauseMs: 10 }),
      new WsWriter(wsUrls, user.accessToken, { deletes: true, pauseMs: 10 }),
    ];

    let cuts = 0;
    const until = Date.now() + EDIT_FOR_MS;
    while (Date.now() < until) {
      await sleep(CUT_EVERY_MS * (0.5 + Math.random()));
      const victims = [...followers, ...wsWriters];
      const victim = victims[Math.floor(Math.random() * victims.length)];
      if (victim instanceof WsWriter) victim.cut();
      else victim?.disrupt();
      cuts++;
    }
    await Promise.all([...restWriters, ...wsWriters].map((writer) => writer.stop()));

    const [row] = await server.store.db
      .select({ lastSeq: users.lastSeq })
      .from(users)
      .where(eq(users.id, user.userId));
    const changes = row!.lastSeq;
    const stored = await server.store.db.select().from(notes).where(eq(notes.userId, user.userId));
    const report = [];
    for (const [index, follower] of followers.entries()) {
      await follower.waitFor(changes, 15_000);
      await follower.stop();
      // Sockets that did not join a note get its list fields, not its content (protocol rule).
      const view = (n: Pick<Note, 'title' | 'content' | 'deleted'>) =>
        follower instanceof WsFollower ? [n.title, n.deleted] : [n.title, n.content, n.deleted];
      expect(new Map([...follower.notes.values()].map((n) => [n.id, view(n)]))).toEqual(
        new Map(stored.map((n) => [n.id, view(n)])),
      );
      expect(follower.counts).toMatchObject({ duplicates: 0, gaps: 0, resyncs: 0 });
      report.push({
        client: index,
        transport: follower instanceof WsFollower ? 'websocket' : 'sse',
        changes,
        delivered: follower.counts.applied,
        replayed: follower.counts.replayed,
        reconnects: follower.counts.reconnects,
        duplicates: follower.counts.duplicates,
      });
    }
    const writes = [...restWriters, ...wsWriters].reduce((sum, writer) => sum + writer.writes, 0);
    const resent = wsWriters.reduce((sum, writer) => sum + writer.resent, 0);
    expect(changes).toBeGreaterThan(0);
    process.stdout.write(
      `convergence (${server.store.kind}): ${writes} edits, ${resent} resent after a cut, ` +
        `${cuts} cuts\n${report.map((line) => JSON.stringify(line)).join('\n')}\n`,
    );
  }, 60_000);
});
