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
  // A second instance on the same database shares the first one's store and signing secret.
  const database = shared
    ? { url: undefined, drop: async () => undefined }
    : await createTestDatabase();
  const jwtSecret = shared?.jwtSecret ?? randomBytes(32).toString('base64url');
  const store = shared?.store ?? (await openStore({ databaseUrl: database.url }));
  // A free port can be taken by another suite between probing and listening: try a new one.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      JWT_SECRET: jwtSecret,
      ...env,
    });
    const app = await buildApp({
      config,
      store,
      jwtSecret: config.jwtSecret as string,
      logStream: options.logStream,
    });
    try {
      await app.http.listen({ port, host: '127.0.0.1' });
    } catch (error) {
      await app.close();
      const portTaken = (error as { code?: unknown }).code === 'EADDRINUSE';
      if (portTaken && attempt < 3) continue;
      if (!shared) await store.close();
      await database.drop();
      throw error;
    }
    return served(app, config, store, database, port, shared !== undefined);
  }
}

function served(
  app: TidingsApp,
  config: Config,
  store: Store,
  database: { url: string | undefined; drop(): Promise<void> },
  port: number,
  sharedStore: boolean,
): TestServer {
  return {
    app,
    config,
    store,
    databaseUrl: database.url,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    async close() {
      await app.close();
      if (!sharedStore) await store.close();
      await database.drop();
    },
  };
}
