import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startInstance } from './helpers/instance-process';
import { usingRealPostgres } from './helpers/test-database';

/** Sign-up through the real routes, as a non-browser client: CSRF cookie and header, tokens in the body. */
async function signUp(url: string): Promise<string> {
  const csrf = await fetch(`${url}/api/csrf-token`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookie = (csrf.headers.getSetCookie()[0] ?? '').split(';')[0] as string;
  const response = await fetch(`${url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken, cookie },
    body: JSON.stringify({
      email: 'restart@example.test',
      password: 'a long enough password',
      tokenDelivery: 'body',
    }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

// The embedded default has nothing to do with TEST_DATABASE_URL: run it once, in the PGlite pass.
describe.skipIf(usingRealPostgres)(
  'npm start on embedded defaults (a real process, PGlite under DATA_DIR)',
  () => {
    const dirs: string[] = [];
    afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

    it('keeps the data and the generated secret across a restart', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'tidings-data-'));
      dirs.push(dataDir);
      // No JWT_SECRET and no DATABASE_URL: what `npm start` does on a fresh clone.
      const env = { NODE_ENV: 'development', DATA_DIR: dataDir, LOG_LEVEL: 'warn' };

      const first = await startInstance('first run', env, 60_000);
      expect(first.output()).toContain('JWT_SECRET is not set');
      const token = await signUp(first.url);
      const created = await fetch(`${first.url}/api/notes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Still here after a restart' }),
      });
      expect(created.status).toBe(201);
      const { note } = (await created.json()) as { note: { id: string } };
      expect(await first.stop('SIGTERM')).toBe(0);

      const second = await startInstance('second run', env, 60_000);
      try {
        // The same token still verifies: the generated secret was kept under DATA_DIR.
        const read = await fetch(`${second.url}/api/notes/${note.id}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(read.status).toBe(200);
        expect(((await read.json()) as { note: { title: string } }).note.title).toBe(
          'Still here after a restart',
        );
      } finally {
        await second.stop('SIGTERM');
      }
    }, 120_000);

    it('keeps every change answered as saved when the process is killed (SIGKILL)', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'tidings-data-'));
      dirs.push(dataDir);
      const env = { NODE_ENV: 'development', DATA_DIR: dataDir, LOG_LEVEL: 'warn' };

      const first = await startInstance('run before the kill', env, 60_000);
      const token = await signUp(first.url);
      const titles = Array.from({ length: 20 }, (_, index) => `saved before the kill ${index}`);
      for (const title of titles) {
        const created = await fetch(`${first.url}/api/notes`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title }),
        });
        expect(created.status).toBe(201);
      }
      // No shutdown at all: whatever was answered 201 must already be in PGlite's files.
      await first.stop('SIGKILL');

      const second = await startInstance('run after the kill', env, 60_000);
      try {
        const listed = await fetch(`${second.url}/api/notes?limit=100`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(listed.status).toBe(200);
        const { notes } = (await listed.json()) as { notes: { title: string }[] };
        expect(notes.map((note) => note.title).sort()).toEqual([...titles].sort());
      } finally {
        await second.stop('SIGTERM');
      }
    }, 120_000);
  },
);
