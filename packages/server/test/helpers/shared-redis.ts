import { createConnection } from 'node:net';

/** The machine's shared Redis, used by suites that only need one (they use unique key prefixes). */
export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function answers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

export const hasSharedRedis = await answers(SHARED_REDIS_URL);

if (!hasSharedRedis) {
  console.warn(`Shared-Redis suites SKIPPED: nothing answers at ${SHARED_REDIS_URL}.`);
}
