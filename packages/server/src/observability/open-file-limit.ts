import { readdirSync, readFileSync } from 'node:fs';

/**
 * Below this soft limit a production server is warned at start. Every WebSocket (and every
 * other socket) holds one open file, and many systems start services at 1,024, so a server
 * meant for thousands of connections would turn them away silently: the kernel refuses the
 * accept, libuv closes the connection, and nothing is logged.
 */
export const OPEN_FILE_LIMIT_FLOOR = 4096;

/** The process' open-file limits and the files it holds now, where the system tells (Linux). */
export interface OpenFiles {
  soft: number;
  hard: number;
  inUse: number;
}

/** The "Max open files" line of /proc/self/limits; unlimited is Infinity. */
export function parseOpenFileLimits(limits: string): { soft: number; hard: number } | undefined {
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
    const limits = parseOpenFileLimits(readFileSync('/proc/self/limits', 'utf8'));
    return limits && { ...limits, inUse: readdirSync('/proc/self/fd').length };
  } catch {
    return undefined;
  }
}

/** The warning a production server logs at start, if its limit is too low for its purpose. */
export function openFileWarning(files: OpenFiles | undefined, nodeEnv: string): string | undefined {
  if (!files || nodeEnv !== 'production' || files.soft >= OPEN_FILE_LIMIT_FLOOR) return undefined;
  const room = Math.max(0, files.soft - files.inUse);
  return (
    `The open-file limit is ${files.soft}: every connection holds one, so this process turns ` +
    `connections away past about ${room} more (it holds ${files.inUse} files now). Raise it ` +
    `(ulimit -n, LimitNOFILE= under systemd, --ulimit nofile= with Docker) to at least ` +
    `${OPEN_FILE_LIMIT_FLOOR}.`
  );
}
