import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { buildApp, type TidingsApp } from '../../src/app';
import { type Config, loadConfig } from '../../src/config/config';
import { openStore, type Store } from '../../src/store/database';
import { createTestDatabase } from './test-database';

export interface TestServer {
  app: TidingsApp;
  config: Config;
  store: Store;
  /** The real Postgres database of this server, when TEST_DATABASE_URL is set. */
  databaseUrl: string | undefined;
  /** http://127.0.0.1:PORT */
  url: string;
  /** ws://127.0.0.1:PORT */
  wsUrl: string;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Starts a real server on a free loopback port with its own fresh database. `env` overrides the
 * environment exactly as a deployment would set it, so tests exercise the real config path.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  shared?: { store: Store; jwtSecret: string },
  options: { logStream?: { write(line: string): void } } = {},
): Promise<TestServer> {
  const port = await freePort();
  // A second instance on the same database shares the first one's store and signing secret.
  const database = shared
    ? { url: undefined, drop: async () => undefined }
    : await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    HOST: '127.0.0.1',
    JWT_SECRET: shared?.jwtSecret ?? randomBytes(32).toString('base64url'),
    ...env,
  });
  const store = shared?.store ?? (await openStore({ databaseUrl: database.url }));
  const app = await buildApp({
    config,
    store,
    jwtSecret: config.jwtSecret as string,
    logStream: options.logStream,
  });
  await app.http.listen({ port, host: '127.0.0.1' });
  return {
    app,
    config,
    store,
    databaseUrl: database.url,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    async close() {
      await app.close();
      if (!shared) await store.close();
      await database.drop();
    },
  };
}
