import cookie from '@fastify/cookie';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from './config/config';
import { type AccessTokenService, createAccessTokenService } from './auth/access-token';
import { createLiveSessions, type LiveSessions } from './auth/live-sessions';
import { registerErrorHandling } from './http/error-handler';
import { registerHealthRoutes } from './http/health-routes';
import { registerPrincipal } from './http/require-user';
import { registerSecurityHeaders } from './http/security-headers';
import { fastifyTrustProxy } from './http/trust-proxy';
import { registerShutdownGuard } from './http/shutdown-guard';
import { registerJsonBodyParser } from './http/json-body';
import { loggerOptions } from './logger';
import type { Store } from './store/database';
import { registerEventsRoute } from './http/events-route';
import { registerAuthRoutes } from './http/auth-routes';
import { registerCors } from './http/cors';
import { registerCsrfProtection } from './http/csrf-protection';
import { registerDataRoutes } from './http/data-routes';
import { createDataServices } from './domain/data-services';
import type { DataServices } from './domain/services';
import { registerWebApp } from './http/web-app-route';
import { type ChangeLogReader, createChangeLogReader } from './sync/change-log-reader';
import { createMemoryHub, type SyncHub } from './sync/hub';
import { createPostgresHub } from './sync/postgres-hub';
import { createRedisHub } from './sync/redis-hub';
import { ConcurrencyLimiter } from './sync/ordered-delivery';
import { startOutsideChangeRelay } from './sync/outside-changes';
import { schedulePruning } from './sync/change-log-retention';
import { scheduleMaintenance } from './store/maintenance-schedule';
import { createLimits, type Limits } from './limits/limits';
import { registerWebSocketGateway } from './ws/gateway';
import { type ClusterCensus, createClusterCensus } from './observability/cluster-census';
import { createMetrics, type Metrics } from './observability/metrics';
import { registerMetricsRoute } from './observability/metrics-route';

export interface AppOptions {
  config: Config;
  store: Store;
  /** The resolved signing secret (from config, or generated under dataDir outside production). */
  jwtSecret: string;
  hub?: SyncHub;
  /** Where log lines go instead of stdout (tests read them to prove what is never logged). */
  logStream?: { write(line: string): void };
}

/** What route plugins and the gateway share; built once per app. */
export interface AppContext {
  config: Config;
  store: Store;
  hub: SyncHub;
  /** Notes, folders and tags: the one way to read and change them (REST and gateway). */
  data: DataServices;
  accessTokens: AccessTokenService;
  /** Whether a token's session is still live (grouped reads: see live-sessions.ts). */
  sessions: LiveSessions;
  /** Reading the change log, with a bound on concurrent catch-ups. */
  sync: { reader: ChangeLogReader; limiter: ConcurrencyLimiter };
  /** Ends every open SSE stream (on shutdown); each stream adds and removes itself. */
  liveStreams: Set<() => void>;
  /** Rate, nonce and connection limits; cluster-wide in Redis when REDIS_URL is set. */
  limits: Limits;
  /** This instance's Prometheus figures (GET /metrics); the gateway and SSE route update them. */
  metrics: Metrics;
  /** The whole cluster's connection counts (summed through Redis; this instance without it). */
  census: ClusterCensus;
}

export interface TidingsApp {
  http: FastifyInstance;
  context: AppContext;
  /** Stops accepting work, closes live connections and the server; the store stays open. */
  close(): Promise<void>;
}

export async function buildApp(options: AppOptions): Promise<TidingsApp> {
  const { config, store } = options;
  const http = Fastify({
    logger: { ...loggerOptions(config), ...(options.logStream && { stream: options.logStream }) },
    bodyLimit: config.bodyLimitBytes,
    keepAliveTimeout: config.httpKeepAliveTimeoutMs,
    http: {
      // Node takes whole milliseconds here; the setting may be a fraction.
      headersTimeout: Math.ceil(config.httpHeadersTimeoutMs),
      // Node enforces the headers timeout on this tick (30 s by default): a shortened timeout
      // would otherwise still wait for the next one.
      connectionsCheckingInterval: Math.ceil(
        Math.min(30_000, Math.max(10, config.httpHeadersTimeoutMs / 2)),
      ),
    },
    // Draining answers with our own 503 envelope (see shutdown-guard.ts).
    return503OnClosing: false,
    trustProxy: fastifyTrustProxy(config.trustProxy),
    // The body of a JSON route must be JSON: text/plain and forms are the classic CSRF vectors.
    // Fastify parses text/plain by default; removing it makes such requests 415.
  });
  http.removeContentTypeParser('text/plain');
  registerJsonBodyParser(http);

  const ownHub = options.hub ? null : await createHub(config, store, http.log);
  const hub = options.hub ?? (ownHub as SyncHub);
  const metrics = createMetrics();
  const context: AppContext = {
    config,
    store,
    hub,
    data: createDataServices({
      db: store.db,
      hub,
      versionSnapshotIntervalMs: config.versionSnapshotIntervalMs,
      noteBatch: { windowMs: config.writeBatchWindowMs, maxBatch: config.writeBatchMax },
    }),
    accessTokens: createAccessTokenService(options.jwtSecret, config.accessTokenTtlMs),
    sessions: createLiveSessions(store.db),
    sync: {
      reader: createChangeLogReader(store.db),
      limiter: new ConcurrencyLimiter(config.replayConcurrency),
    },
    liveStreams: new Set(),
    limits: createLimits(config, http.log),
    metrics,
    census: createClusterCensus({
      redisUrl: config.redisUrl,
      intervalMs: config.clusterCensusIntervalMs,
      local: () => metrics.snapshot(),
      log: http.log,
    }),
  };
  metrics.watchCluster(context.census);

  await http.register(cookie);
  const shutdownGuard = registerShutdownGuard(http);
  registerPrincipal(http);
  registerErrorHandling(http);
  registerSecurityHeaders(http);
  // Before any route: CORS answers preflights, then the origin and CSRF checks run.
  await registerCors(http, config);
  registerCsrfProtection(http, context, options.jwtSecret);
  if (config.redisUrl) {
    context.metrics.watchDependency('redis_bus', () => context.hub.status());
    context.metrics.watchDependency('redis_limits', () => context.limits.status());
  }
  registerHealthRoutes(http, context);
  registerMetricsRoute(http, context);
  registerEventsRoute(http, context);
  registerAuthRoutes(http, context);
  registerDataRoutes(http, context);
  const gateway = registerWebSocketGateway(http, context);
  await registerWebApp(http);

  await http.ready();
  const stopOutsideChangeRelay = await startOutsideChangeRelay({
    store,
    reader: context.sync.reader,
    hub: context.hub,
    log: http.log,
  });
  const stopPruning = schedulePruning(store.db, config.changeLogRetentionMs, http.log);
  const { maintain } = store;
  const stopMaintenance = maintain
    ? scheduleMaintenance(maintain, config.pgliteMaintenanceIntervalMs, http.log)
    : async () => undefined;
  return {
    http,
    context,
    async close() {
      shutdownGuard.begin();
      await gateway.close();
      for (const endStream of [...context.liveStreams]) endStream();
      // The server stops accepting, then waits for every connection to end. Node closes idle
      // keep-alive connections once, at the start; one that finishes its request afterwards
      // would sit idle until its keep-alive timeout. Sweeping them keeps the drain short.
      const sweepIdle = setInterval(() => http.server.closeIdleConnections(), 50);
      try {
        await http.close();
      } finally {
        clearInterval(sweepIdle);
      }
      stopPruning();
      await stopMaintenance();
      await stopOutsideChangeRelay();
      await ownHub?.close();
      await context.census.close();
      await context.limits.close();
    },
  };
}

/**
 * The bus between instances: Redis when configured; otherwise LISTEN/NOTIFY on a real Postgres
 * (instances sharing a database need no more); the in-process hub on embedded PGlite.
 */
async function createHub(config: Config, store: Store, log: FastifyBaseLogger): Promise<SyncHub> {
  if (config.redisUrl) return createRedisHub(config.redisUrl, log);
  if (store.kind === 'postgres') {
    return createPostgresHub({ store, reader: createChangeLogReader(store.db), log });
  }
  return createMemoryHub();
}
