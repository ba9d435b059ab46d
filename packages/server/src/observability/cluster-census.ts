import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';

/** What one instance serves right now. */
export interface InstanceFigures {
  wsConnections: number;
  wsAuthenticated: number;
  sseStreams: number;
}

export interface ClusterFigures extends InstanceFigures {
  /** Instances that reported within the last few intervals (this one included). */
  instances: number;
  /** False when the figures are this instance's alone because Redis could not be read. */
  complete: boolean;
}

/** The whole cluster's figures, for /metrics and /websocket/status. */
export interface ClusterCensus {
  cluster(): Promise<ClusterFigures>;
  close(): Promise<void>;
}

const CENSUS_KEY = 'tidings:census';

/**
 * Without Redis an instance is the whole cluster. With Redis each instance writes its figures
 * into one hash every `intervalMs`; the cluster is the sum of the entries fresher than three
 * intervals, so a killed instance drops out on its own. Reading never blocks on a down Redis:
 * the answer is then this instance's figures, marked incomplete.
 */
export function createClusterCensus(options: {
  redisUrl: string | undefined;
  intervalMs: number;
  local: () => InstanceFigures;
  log: Pick<FastifyBaseLogger, 'debug'>;
}): ClusterCensus {
  const { redisUrl, intervalMs, local, log } = options;
  const alone = (complete: boolean): ClusterFigures => ({ ...local(), instances: 1, complete });
  if (!redisUrl) {
    return { cluster: async () => alone(true), close: async () => undefined };
  }

  const instanceId = randomUUID();
  const redis = new Redis(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 1_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  // Outages are reported by the bus and the limits; the census only skips a beat.
  redis.on('error', (error) => log.debug({ err: error }, 'census: redis unavailable'));

  const report = () =>
    redis
      .hset(CENSUS_KEY, instanceId, JSON.stringify({ ...local(), at: Date.now() }))
      .catch(() => undefined);
  const timer = setInterval(() => void report(), intervalMs);
  timer.unref();
  void report();

  return {
    async cluster() {
      let entries: Record<string, string>;
      try {
        entries = await redis.hgetall(CENSUS_KEY);
      } catch {
        return alone(false);
      }
      // This instance counts with its figures of now; the others with their latest report.
      const total = alone(true);
      const freshAfter = Date.now() - 3 * intervalMs;
      for (const [id, raw] of Object.entries(entries)) {
        const entry = id === instanceId ? null : parseEntry(raw);
        if (!entry || entry.at < freshAfter) continue;
        total.instances++;
        total.wsConnections += entry.wsConnections;
        total.wsAuthenticated += entry.wsAuthenticated;
        total.sseStreams += entry.sseStreams;
      }
      return total;
    },
    async close() {
      clearInterval(timer);
      await redis.hdel(CENSUS_KEY, instanceId).catch(() => undefined);
      redis.disconnect();
    },
  };
}

function parseEntry(raw: string): (InstanceFigures & { at: number }) | null {
  try {
    const value = JSON.parse(raw) as Partial<InstanceFigures & { at: number }>;
    const numbers = [value.at, value.wsConnections, value.wsAuthenticated, value.sseStreams];
    return numbers.every((n) => typeof n === 'number' && Number.isFinite(n))
      ? (value as InstanceFigures & { at: number })
      : null;
  } catch {
    return null;
  }
}
