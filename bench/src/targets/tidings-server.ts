import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { buildApp } from '../../../packages/server/src/app';
import { loadConfig } from '../../../packages/server/src/config/config';
import { openStore } from '../../../packages/server/src/store/database';
import { notes, sessions, users } from '../../../packages/server/src/store/schema';
import { createTestDatabase } from '../../../packages/server/test/helpers/test-database';
import { serveRpc } from '../shared/rpc';
import { measureMemory } from './memory';
import type { ProvisionedRoom, SeededChanges, TidingsTargetApi } from './tidings-api';

/**
 * The real Tidings server (buildApp, as main.ts runs it) with limits raised so they never
 * interfere, on PGlite with its files in a fresh temporary data directory (as the product runs
 * it by default, under DATA_DIR) or, with TEST_DATABASE_URL, a fresh Postgres database.
 * Users, sessions and notes are written straight to the store and tokens signed with the app's
 * own signer, as the test helpers do: sign-up cost is not what the bench measures.
 */
const SESSION_TTL_MS = 6 * 3_600_000;
const port = await freePort();
const config = loadConfig({
  NODE_ENV: 'production',
  PORT: String(port),
  HOST: '127.0.0.1',
  JWT_SECRET: randomBytes(32).toString('base64url'),
  JWT_EXPIRATION_MINUTES: '360',
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  WS_RATE_LIMIT_MAX_MESSAGES: '1000000000',
  WS_RATE_LIMIT_DISCONNECT_AFTER: '1000000000',
  WS_MAX_CONNECTIONS_PER_USER: '1000000',
  // Every load generator connects from 127.0.0.1, dozens of handshakes in flight at once.
  WS_MAX_UNAUTHENTICATED_PER_ADDRESS: '1000000',
  REPLAY_CONCURRENCY: '16',
});
const database = await createTestDatabase();
// On disk rather than in memory: an in-memory PGlite copies a growing table's whole file each
// time it outgrows its buffer, pauses of tens of milliseconds the product never has.
const dataDir = database.url ? undefined : await mkdtemp(join(tmpdir(), 'tidings-bench-'));
const store = await openStore({ databaseUrl: database.url, dataDir });
const app = await buildApp({ config, store, jwtSecret: config.jwtSecret as string });
await app.http.listen({ port, host: '127.0.0.1' });

async function provision(params: { rooms: number; perRoom: number }): Promise<ProvisionedRoom[]> {
  const db = store.db;
  const runId = randomBytes(4).toString('hex');
  const createdUsers = await db
    .insert(users)
    .values(
      Array.from({ length: params.rooms }, (_, room) => ({
        email: `bench-${runId}-${room}@example.test`,
        passwordHash: 'unusable',
      })),
    )
    .returning({ id: users.id });
  const rooms: ProvisionedRoom[] = [];
  for (const user of createdUsers) {
    const [note] = await db
      .insert(notes)
      .values({ userId: user.id, title: 'bench room' })
      .returning({ id: notes.id });
    const userSessions = await db
      .insert(sessions)
      .values(
        Array.from({ length: params.perRoom }, () => ({
          userId: user.id,
          expiresAt: new Date(Date.now() + SESSION_TTL_MS),
        })),
      )
      .returning({ id: sessions.id });
    const tokens = await Promise.all(
      userSessions.map(async (session) => {
        const signed = await app.context.accessTokens.sign(user.id, session.id);
        return signed.token;
      }),
    );
    rooms.push({ userId: user.id, noteId: note!.id, tokens });
  }
  await settle();
  return rooms;
}

async function seedChanges(params: { count: number }): Promise<SeededChanges> {
  const [room] = await provision({ rooms: 1, perRoom: 1 });
  const { userId, tokens } = room!;
  const fromSeq = await app.context.sync.reader.latestSeq(userId);
  // One set-based statement; the outside-writes trigger logs one change per row.
  await store.db.execute(sql`
    INSERT INTO notes (user_id, title, content)
    SELECT ${userId}::uuid, 'seeded ' || n, repeat('x', 100) FROM generate_series(1, ${params.count}) AS n`);
  const latest = await app.context.sync.reader.latestSeq(userId);
  await settle();
  return { token: tokens[0]!, fromSeq, changes: latest - fromSeq, notes: params.count + 1 };
}

/** Waits (at most 15 s) until the event loop is mostly idle: NOTIFY relays have finished. */
async function settle(): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const before = performance.eventLoopUtilization();
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (performance.eventLoopUtilization(before).utilization < 0.05) return;
  }
}

async function stop(): Promise<void> {
  await app.close();
  await store.close();
  await database.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  setImmediate(() => process.exit(0));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const api: TidingsTargetApi = { memory: measureMemory, provision, seedChanges, stop };
serveRpc(api, { port });
