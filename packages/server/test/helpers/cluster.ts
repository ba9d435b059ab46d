import { randomBytes, randomUUID } from 'node:crypto';
import { createAccessTokenService } from '../../src/auth/access-token';
import { openStore, type Store } from '../../src/store/database';
import { sessions, users } from '../../src/store/schema';
import { type InstanceProcess, startInstance } from './instance-process';
import { createTestDatabase, type TestDatabase, testDatabaseUrl } from './test-database';

/** The cluster suites need a real Postgres (TEST_DATABASE_URL) and a redis-server binary. */
export const clusterSkipReason = testDatabaseUrl
  ? null
  : 'cluster suites SKIPPED: they need a real Postgres (set TEST_DATABASE_URL, e.g. npm run test:pg)';
if (clusterSkipReason) console.warn(clusterSkipReason);

export interface ClusterUser {
  userId: string;
  sessionId: string;
  headers: Record<string, string>;
  token: string;
}

/** Several server processes on one fresh database and one Redis, sharing a signing secret. */
export interface Cluster {
  databaseUrl: string;
  /** A connection of the test's own to the cluster's database (for setup and final checks). */
  store: Store;
  instances: InstanceProcess[];
  start(name: string, extraEnv?: Record<string, string>): Promise<InstanceProcess>;
  createUser(): Promise<ClusterUser>;
  close(): Promise<void>;
}

export async function startCluster(names: string[], env: Record<string, string>): Promise<Cluster> {
  const database: TestDatabase = await createTestDatabase();
  const databaseUrl = database.url as string;
  const jwtSecret = randomBytes(32).toString('base64url');
  const baseEnv = { DATABASE_URL: databaseUrl, JWT_SECRET: jwtSecret, ...env };
  const instances: InstanceProcess[] = [];
  const start = async (name: string, extraEnv: Record<string, string> = {}) => {
    const instance = await startInstance(name, { ...baseEnv, ...extraEnv });
    instances.push(instance);
    return instance;
  };
  // The first one applies the migrations; the others find them done.
  await start(names[0] as string);
  await Promise.all(names.slice(1).map((name) => start(name)));
  const store = await openStore({ databaseUrl, maxConnections: 4 });
  const tokens = createAccessTokenService(jwtSecret, 3_600_000);

  return {
    databaseUrl,
    store,
    instances,
    start,
    async createUser() {
      const [user] = await store.db
        .insert(users)
        .values({ email: `cluster-${randomUUID()}@example.test`, passwordHash: 'unusable' })
        .returning({ id: users.id });
      const [session] = await store.db
        .insert(sessions)
        .values({ userId: user!.id, expiresAt: new Date(Date.now() + 3_600_000) })
        .returning({ id: sessions.id });
      const { token } = await tokens.sign(user!.id, session!.id);
      return {
        userId: user!.id,
        sessionId: session!.id,
        token,
        headers: { authorization: `Bearer ${token}` },
      };
    },
    async close() {
      await Promise.all(instances.map((instance) => instance.stop('SIGKILL')));
      await store.close();
      await database.drop();
    },
  };
}
