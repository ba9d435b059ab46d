/**
 * The note-update write path alone, without sockets: the domain services exactly as the app
 * builds them (group commit included), on PGlite (in memory, or with `--on-disk` its files in a
 * temporary directory, as `npm start` keeps them) or a fresh Postgres database.
 *
 *   npx tsx bench/src/data-layer.ts [--database-url postgres://... | --on-disk] [--sequential 500]
 *     [--gap 20 [--spin]] [--updates 5000] [--in-flight 100] [--users 10]
 *     [--grow 20000 [--skip-maintenance]]
 *
 * `--grow N` adds N notes (each with a version) to the first user after the warm-up, as an
 * account grows under a long-running server whose statements were planned while it was small,
 * then runs the store's maintenance (VACUUM and ANALYZE on PGlite) unless told to skip it.
 *
 * `--gap MS` leaves that much time between the lone updates of (a), as a lightly loaded server
 * does (50 messages a second is one each 20 ms); `--spin` fills the gap with a busy loop instead
 * of sleeping, which tells a cost of the CPU going idle from one of time passing.
 *
 * Prints (a) the latency of one update with nothing else in flight, (b) updates/s with many in
 * flight over several users, and the statements a batch of one and a batch of 50 send.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { LatencyHistogram } from './shared/histogram';
import { nowMs } from './shared/clock';
import {
  countsSince,
  installStatementCounter,
  type StatementCounts,
  statementCounts,
} from './shared/statement-counter';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    'on-disk': { type: 'boolean', default: false },
    grow: { type: 'string', default: '0' },
    'skip-maintenance': { type: 'boolean', default: false },
    sequential: { type: 'string', default: '500' },
    gap: { type: 'string', default: '0' },
    spin: { type: 'boolean', default: false },
    updates: { type: 'string', default: '5000' },
    'in-flight': { type: 'string', default: '100' },
    users: { type: 'string', default: '10' },
  },
});
const sequential = Number(values.sequential);
const totalUpdates = Number(values.updates);
const inFlight = Number(values['in-flight']);
const userCount = Number(values.users);
const grow = Number(values.grow);
const gapMs = Number(values.gap);
const BATCH = 50;

// test-database.ts reads TEST_DATABASE_URL when it loads: set it first, then import.
process.env.TEST_DATABASE_URL = values['database-url'] ?? '';
installStatementCounter();
const { createTestDatabase } = await import('../../packages/server/test/helpers/test-database');
const { openStore } = await import('../../packages/server/src/store/database');
const { loadConfig } = await import('../../packages/server/src/config/config');
const { createDataServices } = await import('../../packages/server/src/domain/data-services');
const { createMemoryHub } = await import('../../packages/server/src/sync/hub');
const { notes, users } = await import('../../packages/server/src/store/schema');

const config = loadConfig({ NODE_ENV: 'test' });
const database = await createTestDatabase();
const dataDir = values['on-disk']
  ? await mkdtemp(join(tmpdir(), 'tidings-data-layer-'))
  : undefined;
const store = await openStore({ databaseUrl: database.url, dataDir });
const data = createDataServices({
  db: store.db,
  hub: createMemoryHub(),
  versionSnapshotIntervalMs: config.versionSnapshotIntervalMs,
  noteBatch: { windowMs: config.writeBatchWindowMs, maxBatch: config.writeBatchMax },
});

/** One actor per writer, as a WebSocket connection of the user's own session is. */
interface Writer {
  actor: { userId: string; originId: string; sessionId: string };
  noteId: string;
}

const runId = randomBytes(4).toString('hex');
const userIds = (
  await store.db
    .insert(users)
    .values(
      Array.from({ length: userCount }, (_, index) => ({
        email: `data-layer-${runId}-${index}@example.test`,
        passwordHash: 'unusable',
      })),
    )
    .returning({ id: users.id })
).map((row) => row.id);
const writers: Writer[] = [];
for (let index = 0; index < Math.max(inFlight, BATCH); index += 1) {
  const userId = userIds[index % userCount] as string;
  const [note] = await store.db
    .insert(notes)
    .values({ userId, title: 'bench' })
    .returning({ id: notes.id });
  const originId = `conn-${index}`;
  writers.push({ actor: { userId, originId, sessionId: originId }, noteId: note!.id });
}
const padding = 'x'.repeat(64);
let edits = 0;
const edit = (writer: Writer) =>
  data.notes.update(writer.actor, writer.noteId, { content: `edit ${(edits += 1)} ${padding}` });

// Warm up both paths (JIT, plans, the first history entry of each note).
await Promise.all(writers.map(edit));
for (let index = 0; index < 50; index += 1) await edit(writers[0]!);

// A long-running server: the account grows after the hot statements were first planned.
let growth = '';
if (grow > 0) {
  const started = nowMs();
  await store.db.execute(sql`
    with grown as (
      insert into notes (user_id, title, content)
      select ${writers[0]!.actor.userId}, 'grown', repeat('x', 200) from generate_series(1, ${grow})
      returning id, title, content)
    insert into note_versions (note_id, version, title, content)
    select id, 1, title, content from grown`);
  growth = `, after ${grow} more notes (${Math.round(nowMs() - started)} ms)`;
  const maintenanceStarted = nowMs();
  const maintained = values['skip-maintenance'] ? undefined : await store.maintain?.();
  const names = (tables: string[]) => tables.join(', ') || 'none';
  growth += maintained
    ? ` and one maintenance pass (${Math.round(nowMs() - maintenanceStarted)} ms; vacuumed ` +
      `${names(maintained.vacuumed)}; analyzed ${names(maintained.analyzed)})`
    : ', no maintenance';
}

/** The quiet between two lone updates: asleep, or with the CPU kept busy. */
async function pause(): Promise<void> {
  if (gapMs <= 0) return;
  if (!values.spin) return new Promise((resolve) => setTimeout(resolve, gapMs));
  const until = nowMs() + gapMs;
  while (nowMs() < until) {
    // Busy: the process stays on the CPU, only time passes.
  }
}

// (a) One update at a time: each is a batch of one.
const alone = new LatencyHistogram();
let before = statementCounts();
let aloneMs = 0;
for (let index = 0; index < sequential; index += 1) {
  await pause();
  const started = nowMs();
  await edit(writers[0]!);
  const took = nowMs() - started;
  alone.record(took);
  aloneMs += took;
}
const perAlone = perTransaction(countsSince(before));

// One batch of 50 updates over every user, submitted in one tick.
before = statementCounts();
await Promise.all(writers.slice(0, BATCH).map(edit));
const perBatch = countsSince(before);

// (b) Many in flight: each writer sends its next update when the previous one answered.
const loaded = new LatencyHistogram();
let remaining = totalUpdates;
before = statementCounts();
const loadStart = nowMs();
await Promise.all(
  writers.slice(0, inFlight).map(async (writer) => {
    while (remaining > 0) {
      remaining -= 1;
      const started = nowMs();
      await edit(writer);
      loaded.record(nowMs() - started);
    }
  }),
);
const loadMs = nowMs() - loadStart;
const loadCounts = countsSince(before);

await store.close();
await database.drop();
if (dataDir) await rm(dataDir, { recursive: true, force: true });

const ms = (value: number) => value.toFixed(2);
function gapLabel(): string {
  if (gapMs <= 0) return '';
  return `, ${gapMs} ms ${values.spin ? 'of busy loop' : 'asleep'} before each`;
}
process.stdout.write(
  [
    `data layer on ${store.kind}${dataDir ? ' (on disk)' : ''}${growth}, ${new Date().toISOString()}`,
    `(a) one update alone, ${sequential} in turn${gapLabel()}: p50 ${ms(alone.percentile(50))} ms, ` +
      `p99 ${ms(alone.percentile(99))} ms, mean ${ms(aloneMs / sequential)} ms`,
    `(b) ${totalUpdates} updates, ${inFlight} in flight over ${userCount} users: ` +
      `${Math.round((totalUpdates / loadMs) * 1000)} updates/s, ` +
      `p50 ${ms(loaded.percentile(50))} ms, p99 ${ms(loaded.percentile(99))} ms, ` +
      `${loadCounts.transactions} transactions ` +
      `(${(totalUpdates / loadCounts.transactions).toFixed(1)} updates each)`,
    `statements per transaction, BEGIN and COMMIT included: batch of 1: ${perAlone.statements}, ` +
      `batch of ${BATCH}: ${perBatch.statements} (${perBatch.transactions} transaction); ` +
      `database calls: ${perAlone.calls} and ${perBatch.calls}`,
  ].join('\n') + '\n',
);

function perTransaction(counts: StatementCounts): StatementCounts {
  return {
    statements: counts.statements / counts.transactions,
    transactions: 1,
    calls: counts.calls / counts.transactions,
  };
}
