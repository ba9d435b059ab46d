import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkRpc, type RpcClient } from '../shared/rpc';
import {
  type ConnectionSpec,
  type MemorySample,
  TARGET_LABELS,
  type TargetKind,
} from '../shared/types';
import type { SeededChanges, TidingsTargetApi } from './tidings-api';

/** A server under test, running in a process of its own. */
export interface Target {
  kind: TargetKind;
  label: string;
  baseUrl: string;
  /** The target's memory after full GC. */
  memory(): Promise<MemorySample>;
  /**
   * `rooms` rooms of `perRoom` connections each, room by room; with `publishers` the first of
   * each room publishes. For Tidings every room is a note of its own user.
   */
  specs(rooms: number, perRoom: number, publishers: boolean): Promise<ConnectionSpec[]>;
  /** Tidings only: a user who missed `count` changes. */
  seedChanges?(count: number): Promise<SeededChanges>;
  stop(): Promise<void>;
}

export interface TargetOptions {
  /** Write a V8 CPU profile of the target here (node --cpu-prof). */
  profileDir?: string | undefined;
  /** Postgres server for `tidings-pg`; a fresh database is created on it and dropped. */
  databaseUrl?: string | undefined;
}

type BasicApi = {
  memory(): Promise<MemorySample>;
  stop(): void;
};

const MODULES: Record<TargetKind, string> = {
  ws: 'raw-ws-server.ts',
  socketio: 'socketio-server.ts',
  tidings: 'tidings-server.ts',
  'tidings-pg': 'tidings-server.ts',
};

export async function startTarget(kind: TargetKind, options: TargetOptions = {}): Promise<Target> {
  const modulePath = fileURLToPath(new URL(`./${MODULES[kind]}`, import.meta.url));
  const nodeArgs = ['--expose-gc'];
  if (options.profileDir) {
    // A directory per target: every thread (tsx's loader runs in one) writes its own profile;
    // the main thread's is the largest.
    nodeArgs.push('--cpu-prof', '--cpu-prof-dir', join(options.profileDir, kind));
  }
  const env: Record<string, string> = {};
  if (kind === 'tidings-pg') {
    if (!options.databaseUrl) throw new Error('tidings-pg needs --database-url');
    env.TEST_DATABASE_URL = options.databaseUrl;
  } else {
    // Tidings on PGlite must not pick up a Postgres from the caller's environment.
    env.TEST_DATABASE_URL = '';
  }
  const child = await forkRpc<TidingsTargetApi>(modulePath, { nodeArgs, env });
  const { port } = child.info as { port: number };
  const isTidings = kind === 'tidings' || kind === 'tidings-pg';
  const basic = child as unknown as RpcClient<BasicApi>;
  return {
    kind,
    label: TARGET_LABELS[kind],
    baseUrl: `http://127.0.0.1:${port}`,
    memory: () => basic.call('memory', undefined),
    async specs(rooms, perRoom, publishers) {
      if (!isTidings) {
        return Array.from({ length: rooms }).flatMap((_, room) =>
          Array.from({ length: perRoom }, (__, index) => ({
            room,
            publisher: publishers && index === 0,
          })),
        );
      }
      const provisioned = await child.call('provision', { rooms, perRoom }, 600_000);
      return provisioned.flatMap((entry, room) =>
        entry.tokens.map((token, index) => ({
          room,
          publisher: publishers && index === 0,
          token,
          noteId: entry.noteId,
        })),
      );
    },
    seedChanges: isTidings ? (count) => child.call('seedChanges', { count }, 600_000) : undefined,
    async stop() {
      await basic.call('stop', undefined, 30_000).catch(() => undefined);
      await child.exit();
    },
  };
}
