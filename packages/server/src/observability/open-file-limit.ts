import { readFileSync } from 'node:fs';

/**
 * Below this soft limit a production server is warned at start. Every WebSocket (and every
 * other socket) holds one open file, and many systems start services at 1,024: a server meant
 * for thousands of connections would refuse most of them.
 */
export const OPEN_FILE_LIMIT_FLOOR = 4096;

/** The process' open-file limits, where the system tells them (Linux). */
export interface OpenFiles {
  soft: number;
  hard: number;
}

/** The "Max open files" line of /proc/self/limits; unlimited is Infinity. */
export function parseOpenFileLimits(limits: string): OpenFiles | undefined {
  const line = limits.split('\n').find((text) => text.startsWith('Max open files'));
  const match = line?.match(/^Max open files\s+(\S+)\s+(\S+)/);
  if (!match) return undefined;
  const value = (text: string) => (text === 'unlimited' ? Infinity : Number(text));
  const soft = value(match[1] as string);
  const hard = value(match[2] as string);
  return Number.isNaN(soft) || Number.isNaN(hard) ? undefined : { soft, hard };
}

/** Undefined where /proc is not there (macOS, Windows): nothing to report, nothing to warn. */
export function readOpenFiles(): OpenFiles | undefined {
  try {
    return parseOpenFileLimits(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Files the process holds besides connections and database files: stdio, the event loop's own
 * descriptors, the listening socket, a pool of Postgres or Redis connections.
 */
const FILES_FOR_THE_PROCESS = 64;

/** PGlite's share of a limit, and Postgres' own bounds for it (its minimum and its default). */
const DATABASE_SHARE = 4;
const DATABASE_FILES_MIN = 64;
const DATABASE_FILES_MAX = 1000;

/**
 * How a limited number of open files is shared. The embedded database keeps a cache of open
 * relation files (Postgres' `max_files_per_process`, 1,000 by default, and it believes it has
 * them all); connections took the rest, and once they had taken everything a write that needed
 * a file failed (a note create answered 500 while 170 idle sockets held a limit of 300). Now
 * the database is told its share, a quarter of the limit within Postgres' bounds, and the
 * server accepts connections only up to what is left, refusing the ones past it at once.
 * Nothing to share without a known, finite limit.
 */
export function fileBudget(
  files: OpenFiles | undefined,
  embeddedDatabase: boolean,
): { connections?: number; databaseFiles?: number } {
  if (!files || !Number.isFinite(files.soft)) return {};
  const databaseFiles = embeddedDatabase
    ? Math.min(
        DATABASE_FILES_MAX,
        Math.max(DATABASE_FILES_MIN, Math.floor(files.soft / DATABASE_SHARE)),
      )
    : 0;
  const connections = Math.max(1, files.soft - databaseFiles - FILES_FOR_THE_PROCESS);
  return { connections, ...(embeddedDatabase && { databaseFiles }) };
}

/** The warning a production server logs at start, if its limit is too low for its purpose. */
export function openFileWarning(
  files: OpenFiles | undefined,
  connectionCap: number | undefined,
  nodeEnv: string,
): string | undefined {
  if (!files || nodeEnv !== 'production' || files.soft >= OPEN_FILE_LIMIT_FLOOR) return undefined;
  return (
    `The open-file limit is ${files.soft}: every connection holds one, so this server accepts ` +
    `at most ${connectionCap ?? files.soft} at once. Raise it (ulimit -n, LimitNOFILE= under ` +
    `systemd, --ulimit nofile= with Docker) to at least ${OPEN_FILE_LIMIT_FLOOR}.`
  );
}
