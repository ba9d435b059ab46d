import { sql } from 'drizzle-orm';
import type { RunStatement } from '../store/batch-transaction';
import type { LogEntry } from './batch-change-log';
import type { HistoryWrites, LatestEntry } from './note-batch-history';
import type { NoteRow } from './records';

/*
 * The two statements of a group-committed batch of note updates, written by hand. On PGlite
 * every statement costs about half a millisecond of WebAssembly and driver work (and the query
 * builder adds its own), so the statement count is the latency of a write: a batch is BEGIN,
 * one read, one write, COMMIT, whatever its size (on Postgres BEGIN travels with the read and
 * COMMIT with the write: store/batch-transaction.ts). Values travel as one JSON (or comma-joined
 * uuid) parameter each, so the SQL text never changes with the batch: PGlite plans each
 * statement once (executePrepared).
 */

/** What a batch's checks need, read in one statement with the rows locked. */
export interface BatchRead {
  /** The locked rows of the notes the batch names that belong to the batch's users. */
  rows: NoteRow[];
  tagNames: Map<string, string[]>;
  /** Each locked note's newest version-history entry, if it has one. */
  latestEntries: Map<string, LatestEntry>;
  /** Owner of each folder the batch moves a note into that exists. */
  folderOwners: Map<string, string>;
  /**
   * True when a row changed between the statement's snapshot and its lock (it waited for
   * another writer): tags and history read in the same statement may then be older than the
   * row, so the caller reads again, now under its locks.
   */
  stale: boolean;
}

/** A Date from the drivers' own parsers (these statements bypass drizzle's, which give text). */
type Timestamp = string | Date;

interface ReadRow {
  id: string;
  user_id: string;
  folder_id: string | null;
  title: string;
  content: string;
  encrypted_title: string | null;
  encrypted_content: string | null;
  starred: boolean;
  archived: boolean;
  deleted: boolean;
  hidden: boolean;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
  stale: boolean;
  tag_names: string[];
  latest_version: number | null;
  latest_created_at: Timestamp | null;
  latest_author_key: string | null;
  folder_owners: Record<string, string> | null;
}

/**
 * Statement 1: marks the transaction as Tidings' own for the outside-writer triggers (migration
 * 0001), locks the batch's notes in id order (two transactions locking several notes never
 * deadlock) and reads, with each, its tag names and newest history entry, plus the owners of
 * the folders named. Only notes of the batch's users are locked: a foreign id is NOT_FOUND and
 * never locks another user's note.
 */
export async function readBatch(
  run: RunStatement,
  noteIds: readonly string[],
  userIds: readonly string[],
  folderIds: readonly string[],
): Promise<BatchRead> {
  const result = await run(
    'tidings_note_batch_read',
    sql`
    select set_config('tidings.app_write', 'on', true) as app_write,
      n.id, n.user_id, n.folder_id, n.title, n.content, n.encrypted_title, n.encrypted_content,
      n.starred, n.archived, n.deleted, n.hidden, n.version, n.created_at, n.updated_at,
      -- The lock returns the newest row; the rest of the statement sees its snapshot.
      n.xmin <> (select s.xmin from notes s where s.id = n.id) as stale,
      (select coalesce(jsonb_agg(t.name), '[]'::jsonb)
         from note_tags nt join tags t on t.id = nt.tag_id where nt.note_id = n.id) as tag_names,
      latest.version as latest_version, latest.created_at as latest_created_at,
      latest.author_key as latest_author_key,
      (select jsonb_object_agg(f.id, f.user_id) from folders f
        where f.id = any(string_to_array(${folderIds.join(',')}, ',')::uuid[])) as folder_owners
    from notes n
    left join lateral (
      select v.version, v.created_at, v.author_key from note_versions v
      where v.note_id = n.id order by v.version desc limit 1) latest on true
    where n.id = any(string_to_array(${noteIds.join(',')}, ',')::uuid[])
      and n.user_id = any(string_to_array(${userIds.join(',')}, ',')::uuid[])
    order by n.id
    for update of n`,
  );
  const read: BatchRead = {
    rows: [],
    tagNames: new Map(),
    latestEntries: new Map(),
    folderOwners: new Map(),
    stale: false,
  };
  for (const row of rowsOf<ReadRow>(result)) {
    read.rows.push(noteRowOf(row));
    read.tagNames.set(row.id, row.tag_names);
    if (row.latest_version !== null && row.latest_created_at !== null) {
      read.latestEntries.set(row.id, {
        version: row.latest_version,
        createdAt: new Date(row.latest_created_at),
        authorKey: row.latest_author_key,
      });
    }
    for (const [id, owner] of Object.entries(row.folder_owners ?? {})) {
      read.folderOwners.set(id, owner);
    }
    read.stale ||= row.stale;
  }
  return read;
}

export interface BatchWrite {
  /** Each changed note's row after the whole batch. */
  rows: readonly NoteRow[];
  history: HistoryWrites;
  /** Events per user, and the change-log rows to insert without their seqs. */
  counts: ReadonlyMap<string, number>;
  entries: readonly LogEntry[];
  now: Date;
}

/**
 * Statement 2: every write of the batch in one statement of data-modifying CTEs. They run on
 * one snapshot and touch disjoint rows (notes, history entries, users, change-log rows), so
 * none needs to see another's effect; the only hand-off is the seqs, through RETURNING. The
 * users' rows are locked in id order first, for the same reason as the notes. Seqs are taken
 * last in the transaction, under those locks, so their order is the commit order. Returns each
 * user's last seq before the batch: the user's n-th event of the batch has that plus n.
 */
export async function writeBatch(
  run: RunStatement,
  write: BatchWrite,
): Promise<Map<string, number>> {
  const rows = write.rows.map((row) => ({
    id: row.id,
    folder_id: row.folderId,
    title: row.title,
    content: row.content,
    encrypted_title: row.encryptedTitle,
    encrypted_content: row.encryptedContent,
    starred: row.starred,
    archived: row.archived,
    deleted: row.deleted,
    hidden: row.hidden,
    version: row.version,
    updated_at: row.updatedAt.toISOString(),
  }));
  const entry = (e: HistoryWrites['inserts'][number]) => ({
    note_id: e.noteId,
    version: e.version,
    title: e.title,
    content: e.content,
    encrypted_title: e.encryptedTitle,
    encrypted_content: e.encryptedContent,
    author_key: e.authorKey,
  });
  const folds = write.history.folds.map((fold) => ({
    ...entry(fold),
    from_version: fold.fromVersion,
  }));
  const inserts = write.history.inserts.map(entry);
  const counts = [...write.counts].map(([id, n]) => ({ id, n }));
  const entries = write.entries.map((e) => ({
    user_id: e.userId,
    ord: e.ord,
    type: e.type,
    payload: e.payload,
  }));
  const result = await run(
    'tidings_note_batch_write',
    sql`
    with written as (
      update notes set folder_id = v.folder_id, title = v.title, content = v.content,
        encrypted_title = v.encrypted_title, encrypted_content = v.encrypted_content,
        starred = v.starred, archived = v.archived, deleted = v.deleted, hidden = v.hidden,
        version = v.version, updated_at = v.updated_at
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(id uuid, folder_id uuid,
        title text, content text, encrypted_title text, encrypted_content text, starred boolean,
        archived boolean, deleted boolean, hidden boolean, version int, updated_at timestamptz)
      where notes.id = v.id
    ), folded as (
      update note_versions nv set version = v.version, title = v.title, content = v.content,
        encrypted_title = v.encrypted_title, encrypted_content = v.encrypted_content,
        author_key = v.author_key
      from jsonb_to_recordset(${JSON.stringify(folds)}::jsonb) as v(note_id uuid,
        from_version int, version int, title text, content text, encrypted_title text,
        encrypted_content text, author_key text)
      where nv.note_id = v.note_id and nv.version = v.from_version
    ), added as (
      insert into note_versions (note_id, version, title, content, encrypted_title,
        encrypted_content, author_key, created_at)
      select v.note_id, v.version, v.title, v.content, v.encrypted_title, v.encrypted_content,
        v.author_key, ${write.now.toISOString()}::timestamptz
      from jsonb_to_recordset(${JSON.stringify(inserts)}::jsonb) as v(note_id uuid, version int,
        title text, content text, encrypted_title text, encrypted_content text, author_key text)
    ), locked_users as materialized (
      select u.id, c.n
      from users u join jsonb_to_recordset(${JSON.stringify(counts)}::jsonb) as c(id uuid, n int)
        on u.id = c.id
      order by u.id
      for update of u
    ), seqs as (
      update users set last_seq = users.last_seq + l.n
      from locked_users l where users.id = l.id
      returning users.id, users.last_seq - l.n as seq_before
    ), logged as (
      insert into change_log (user_id, seq, type, payload)
      select e.user_id, s.seq_before + e.ord, e.type, e.payload
      from jsonb_to_recordset(${JSON.stringify(entries)}::jsonb) as e(user_id uuid, ord int,
        type text, payload jsonb)
      join seqs s on s.id = e.user_id
    )
    select id, seq_before from seqs`,
  );
  return new Map(
    rowsOf<{ id: string; seq_before: string | number }>(result).map((row) => [
      row.id,
      Number(row.seq_before),
    ]),
  );
}

function noteRowOf(row: ReadRow): NoteRow {
  return {
    id: row.id,
    userId: row.user_id,
    folderId: row.folder_id,
    title: row.title,
    content: row.content,
    encryptedTitle: row.encrypted_title,
    encryptedContent: row.encrypted_content,
    starred: row.starred,
    archived: row.archived,
    deleted: row.deleted,
    hidden: row.hidden,
    version: row.version,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** `execute` answers node-postgres' QueryResult or PGlite's Results: both carry `rows`. */
function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}
