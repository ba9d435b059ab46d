import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  fileBudget,
  OPEN_FILE_LIMIT_FLOOR,
  openFileWarning,
  parseOpenFileLimits,
  readOpenFiles,
} from '../../src/observability/open-file-limit';
import { type InstanceProcess, startInstance } from '../helpers/instance-process';
import { usingRealPostgres } from '../helpers/test-database';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('the open-file limit', () => {
  it('reads the soft and hard limits from /proc/self/limits', () => {
    expect(parseOpenFileLimits(LIMITS)).toEqual({ soft: 1024, hard: 524288 });
    expect(
      parseOpenFileLimits('Max open files            unlimited            unlimited   files'),
    ).toEqual({ soft: Infinity, hard: Infinity });
    expect(parseOpenFileLimits('Max cpu time unlimited unlimited seconds')).toBeUndefined();
  });

  it('leaves the embedded database a quarter, within Postgres’ bounds, and connections the rest', () => {
    expect(fileBudget({ soft: 1024, hard: 4096 }, true)).toEqual({
      connections: 704,
      databaseFiles: 256,
    });
    expect(fileBudget({ soft: 65536, hard: 65536 }, true)).toEqual({
      connections: 64472,
      databaseFiles: 1000,
    });
    expect(fileBudget({ soft: 200, hard: 200 }, true)).toEqual({
      connections: 72,
      databaseFiles: 64,
    });
    // Postgres keeps its files in its own processes.
    expect(fileBudget({ soft: 1024, hard: 4096 }, false)).toEqual({ connections: 960 });
    expect(fileBudget({ soft: Infinity, hard: Infinity }, true)).toEqual({});
    expect(fileBudget(undefined, true)).toEqual({});
  });

  it('warns a production server below the floor, with the connections it can hold', () => {
    const low = { soft: 1024, hard: 524288 };
    expect(openFileWarning(low, 704, 'production')).toContain('accepts at most 704 at once');
    expect(openFileWarning(low, 704, 'development')).toBeUndefined();
    const enough = { ...low, soft: OPEN_FILE_LIMIT_FLOOR };
    expect(openFileWarning(enough, 3000, 'production')).toBeUndefined();
    expect(openFileWarning(undefined, undefined, 'production')).toBeUndefined();
  });

  it.skipIf(process.platform !== 'linux')('reads this process’ limit on Linux', () => {
    expect(readOpenFiles()?.soft).toBeGreaterThan(0);
  });
});

/** One HTTP connection kept open, so requests still go through while new ones are refused. */
function keptAliveClient(base: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const request = (method: string, path: string, headers: Record<string, string>, body?: object) =>
    new Promise<{ status: number; body: string; cookie?: string }>((resolve, reject) => {
      const url = new URL(path, base);
      const outgoing = http.request(
        { host: url.hostname, port: url.port, method, path, agent, headers },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              body: text,
              cookie: response.headers['set-cookie']?.[0]?.split(';')[0],
            }),
          );
        },
      );
      outgoing.setTimeout(10_000, () => outgoing.destroy(new Error('no answer in 10 s')));
      outgoing.on('error', reject);
      outgoing.end(body && JSON.stringify(body));
    });
  return { request, close: () => agent.destroy() };
}

/** Opens `count` raw TCP connections; resolves once each is either established or refused. */
async function holdSockets(port: number, count: number) {
  const sockets = Array.from({ length: count }, () => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    return socket;
  });
  // A refused connection is closed by the server right after the accept.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  return {
    open: () => sockets.filter((socket) => !socket.destroyed && socket.readyState === 'open'),
    release: () => sockets.forEach((socket) => socket.destroy()),
  };
}

// A real process started under a low limit, as a service manager's default would start it.
describe.skipIf(usingRealPostgres || process.platform !== 'linux')(
  'a production server started with a low open-file limit',
  () => {
    const dirs: string[] = [];
    let instance: InstanceProcess | undefined;
    afterAll(async () => {
      await instance?.stop('SIGTERM');
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    });

    it('says so, keeps files for its database, and refuses the connections past them', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'tidings-data-'));
      dirs.push(dataDir);
      instance = await startInstance(
        'low open-file limit',
        { DATA_DIR: dataDir, JWT_SECRET: randomBytes(32).toString('base64url') },
        60_000,
        { openFileLimit: 400 },
      );
      type LogLine = Record<string, unknown> & { msg: string };
      // The process writes its log as it goes: a line may come after /readyz first answers.
      const logLine = async (wanted: (line: LogLine) => boolean) => {
        for (const deadline = Date.now() + 5_000; Date.now() < deadline;) {
          const complete = instance!.output().split('\n').slice(0, -1);
          const lines = complete.filter((line) => line.startsWith('{'));
          const found = lines.map((line) => JSON.parse(line) as LogLine).find(wanted);
          if (found) return found;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return undefined;
      };
      const listening = await logLine((line) => line.msg === 'Tidings is listening');
      expect(listening).toMatchObject({ openFileLimit: 400, connectionCap: 236 });
      const warning = await logLine((line) => line.msg.startsWith('The open-file limit is 400'));
      expect(warning?.level).toBe(40);

      const client = keptAliveClient(instance.url);
      const csrf = await client.request('GET', '/api/csrf-token', {});
      const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
      const port = Number(new URL(instance.url).port);
      const held = await holdSockets(port, 300);
      try {
        // The cap, less the kept-alive client's connection (and the start-up probe's, while
        // its keep-alive lasts): the rest were closed on arrival.
        expect(held.open().length).toBeLessThanOrEqual(235);
        expect(held.open().length).toBeGreaterThanOrEqual(230);
        const json = { 'content-type': 'application/json' };
        const signedUp = await client.request(
          'POST',
          '/api/auth/register',
          { ...json, 'x-csrf-token': csrfToken, cookie: csrf.cookie ?? '' },
          {
            email: 'files@example.test',
            password: 'a long enough password',
            tokenDelivery: 'body',
          },
        );
        expect(signedUp.status).toBe(201);
        const { accessToken } = JSON.parse(signedUp.body) as { accessToken: string };
        // Writes that make the database open files it had not opened yet (a table's free
        // space map among them): without the share kept for it, the 16th of these failed.
        const statuses: number[] = [];
        for (let index = 0; index < 30; index++) {
          const created = await client.request(
            'POST',
            '/api/notes',
            { ...json, authorization: `Bearer ${accessToken}` },
            { title: `note ${index}`, content: 'words '.repeat(1_000) },
          );
          statuses.push(created.status);
        }
        expect(statuses).toEqual(statuses.map(() => 201));
        const refused = await logLine((line) => line.msg.startsWith('connections refused'));
        expect(refused?.level).toBe(40);
      } finally {
        held.release();
        client.close();
      }
      // Once the held connections are gone, new ones are accepted again.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await fetch(`${instance.url}/readyz`)).status).toBe(200);
    }, 90_000);
  },
);
