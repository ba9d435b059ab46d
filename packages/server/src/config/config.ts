import {
  ConfigError,
  type Env,
  parseOrigin,
  readBoolean,
  readEnum,
  readInteger,
  readNumber,
  readOptionalString,
  readPositiveNumber,
  readString,
  readTrustProxy,
  type TrustProxy,
} from './env-parsers';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Everything the server reads from its environment, read once, validated and frozen. */
export interface Config {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  /** Where the embedded database and the generated development secret live. */
  readonly dataDir: string;
  /** A real Postgres; when absent, PGlite runs in-process under dataDir. */
  readonly databaseUrl: string | undefined;
  /** Redis for the bus between instances; when absent, events stay in this process. */
  readonly redisUrl: string | undefined;
  /** A Redis command not answered within this fails and the caller falls back (never hangs). */
  readonly redisCommandTimeoutMs: number;
  /** Absent only outside production; main.ts then generates one under dataDir. */
  readonly jwtSecret: string | undefined;
  readonly accessTokenTtlMs: number;
  readonly refreshTokenTtlMs: number;
  /** A rotated refresh token presented again within this window (two tabs) is not a reuse. */
  readonly refreshReuseGraceMs: number;
  /** The server's own origin, always allowed for CORS and WebSocket upgrades. */
  readonly publicOrigin: string;
  /** True when PUBLIC_URL is https: cookies get Secure and the __Host-/__Secure- prefixes. */
  readonly secureCookies: boolean;
  /** Exact-match allowlist; includes publicOrigin. */
  readonly corsOrigins: readonly string[];
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Take the client address from X-Forwarded-For only when a trusted proxy sits in front. */
  readonly trustProxy: TrustProxy;
  readonly bodyLimitBytes: number;
  /** How long an HTTP connection may take to send a request's headers (slow-header attacks). */
  readonly httpHeadersTimeoutMs: number;
  /** How long an idle keep-alive HTTP connection stays open between requests. */
  readonly httpKeepAliveTimeoutMs: number;
  readonly loginMaxFailures: number;
  readonly loginFailureWindowMs: number;
  /** A new version snapshot is kept when the latest one is older than this. */
  readonly versionSnapshotIntervalMs: number;
  readonly shutdownTimeoutMs: number;
  /** Change-log entries older than this are pruned; a client further behind must resync. */
  readonly changeLogRetentionMs: number;
  /** PGlite only: how often to check which tables need VACUUM or ANALYZE (it has no autovacuum). */
  readonly pgliteMaintenanceIntervalMs: number;
  /** Interval of the SSE keep-alive comment (proxies drop idle streams). */
  readonly sseKeepAliveMs: number;
  /** How many connections may read the change log at once while catching up. */
  readonly replayConcurrency: number;
  /** How long a note update waits for others to share its transaction (0: end of the tick). */
  readonly writeBatchWindowMs: number;
  /** The most note updates applied in one transaction. */
  readonly writeBatchMax: number;
  readonly adminToken: string | undefined;
  /** How often each instance writes its figures to the cluster census (Redis only). */
  readonly clusterCensusIntervalMs: number;
  readonly ws: WebSocketConfig;
}

export interface WebSocketConfig {
  readonly authTimeoutMs: number;
  readonly rateLimitWindowMs: number;
  readonly rateLimitMaxMessages: number;
  /** Messages past the limit in one window before a flooding client is disconnected. */
  readonly rateLimitDisconnectAfter: number;
  readonly maxMessageBytes: number;
  readonly maxConnectionsPerUser: number;
  /** Sockets one client address may hold open before authenticating. */
  readonly maxUnauthenticatedPerAddress: number;
  readonly heartbeatIntervalMs: number;
  /** Bytes queued for a client that does not read before it is disconnected. */
  readonly maxBufferedBytes: number;
  /**
   * For connections that take batched frames: the least time between two frames of change
   * events to one socket; events that come sooner wait for the next frame (0: once per tick).
   */
  readonly frameCoalesceMs: number;
  /**
   * Change events delivered per second (all sockets together) from which `frameCoalesceMs`
   * applies; below it every event goes out at the end of its tick (0: always coalesce).
   */
  readonly frameCoalesceMinRate: number;
  readonly requireSignedMessages: boolean;
  readonly signatureMaxAgeMs: number;
  /** WS_MAX_NONCES: nonces the in-process store keeps per user (scope of the nonces). */
  readonly maxNoncesPerConnection: number;
  /** Nonces the in-process store keeps in all (Redis keeps its own, expiring by TTL). */
  readonly nonceMemoryMaxEntries: number;
  /** A connection slot in Redis lapses unless its instance renews it within this time. */
  readonly connectionLeaseMs: number;
  /** How long before access-token expiry the server sends `auth_expiring`. */
  readonly expiryWarningMs: number;
}

/** Values that appear in tutorials and .env.example files; never acceptable as a real secret. */
const PLACEHOLDER_SECRETS = [
  'secret',
  'changeme',
  'change-me',
  'change-me-in-production',
  'change-me-in-production-use-long-random-string',
  'your-secret-key',
  'your-jwt-secret',
  'your_jwt_secret',
  'jwt-secret',
  'jwt_secret',
  'supersecret',
  'mysecret',
  'default',
  'password',
  'replace-me',
];

export function isPlaceholderSecret(secret: string): boolean {
  const normalized = secret.toLowerCase();
  return (
    PLACEHOLDER_SECRETS.includes(normalized) ||
    /change[-_ ]?me|your[-_ ]?(jwt[-_ ]?)?secret|placeholder|replace[-_ ]?me|example/.test(
      normalized,
    )
  );
}

export const MIN_SECRET_LENGTH = 32;

function readJwtSecret(env: Env, production: boolean): string | undefined {
  const secret = readOptionalString(env, 'JWT_SECRET');
  if (secret === undefined) {
    if (production) throw new ConfigError('JWT_SECRET', 'must be set when NODE_ENV=production');
    return undefined;
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError('JWT_SECRET', `must be at least ${MIN_SECRET_LENGTH} characters long`);
  }
  if (isPlaceholderSecret(secret)) {
    throw new ConfigError('JWT_SECRET', 'is a well-known placeholder; generate a random secret');
  }
  return secret;
}

function readCorsOrigins(env: Env, publicOrigin: string): string[] {
  const listed = (readOptionalString(env, 'CORS_ORIGINS') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of listed) {
    if (entry === '*' || entry === 'null') {
      throw new ConfigError('CORS_ORIGINS', `may not contain "${entry}"; list exact origins`);
    }
  }
  return [...new Set([publicOrigin, ...listed.map((o) => parseOrigin('CORS_ORIGINS', o))])];
}

/** Reads and validates the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = readEnum(env, 'NODE_ENV', ['development', 'production', 'test'], 'development');
  const production = nodeEnv === 'production';
  const port = readInteger(env, 'PORT', 3000, 0, 65535);
  const host = readString(env, 'HOST', '127.0.0.1');
  const publicUrl = readOptionalString(env, 'PUBLIC_URL');
  const publicOrigin = publicUrl
    ? parseOrigin('PUBLIC_URL', publicUrl.replace(/\/$/, ''))
    : `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const config: Config = {
    nodeEnv,
    port,
    host,
    dataDir: readString(env, 'DATA_DIR', './data'),
    databaseUrl: readOptionalString(env, 'DATABASE_URL'),
    redisUrl: readOptionalString(env, 'REDIS_URL'),
    redisCommandTimeoutMs: readPositiveNumber(env, 'REDIS_COMMAND_TIMEOUT_MS', 500),
    jwtSecret: readJwtSecret(env, production),
    accessTokenTtlMs: readPositiveNumber(env, 'JWT_EXPIRATION_MINUTES', 15) * MINUTE_MS,
    refreshTokenTtlMs: readPositiveNumber(env, 'JWT_REFRESH_EXPIRATION_DAYS', 7) * DAY_MS,
    refreshReuseGraceMs: readNumber(env, 'REFRESH_REUSE_GRACE_MS', 10_000),
    publicOrigin,
    secureCookies: publicOrigin.startsWith('https:'),
    corsOrigins: readCorsOrigins(env, publicOrigin),
    logLevel: readEnum(
      env,
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      nodeEnv === 'test' ? 'silent' : 'info',
    ),
    trustProxy: readTrustProxy(env, 'TRUST_PROXY'),
    // 1 MiB: a note body larger than this belongs in a file upload, not a JSON field.
    bodyLimitBytes: readInteger(env, 'BODY_LIMIT_BYTES', 1_048_576, 1024),
    // Node's own defaults: a minute for the headers; keep-alive longer than the 60 s idle timeout
    // of common proxies, so the proxy, not the server, closes an idle connection (no race).
    httpHeadersTimeoutMs: readPositiveNumber(env, 'HTTP_HEADERS_TIMEOUT_MS', 60_000),
    httpKeepAliveTimeoutMs: readPositiveNumber(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 72_000),
    // 5 failures per 15 minutes per email and per address: slows guessing, spares typos.
    loginMaxFailures: readInteger(env, 'LOGIN_MAX_FAILURES', 5, 1),
    loginFailureWindowMs: readPositiveNumber(env, 'LOGIN_FAILURE_WINDOW_MS', 15 * MINUTE_MS),
    versionSnapshotIntervalMs: readNumber(env, 'VERSION_SNAPSHOT_INTERVAL_MS', 5 * MINUTE_MS),
    shutdownTimeoutMs: readPositiveNumber(env, 'SHUTDOWN_TIMEOUT_MS', 10_000),
    changeLogRetentionMs: readPositiveNumber(env, 'CHANGELOG_RETENTION_DAYS', 30) * DAY_MS,
    // A minute, as Postgres' autovacuum_naptime: a pass that finds nothing to do costs one query.
    pgliteMaintenanceIntervalMs: readPositiveNumber(env, 'PGLITE_MAINTENANCE_INTERVAL_MS', 60_000),
    // 15 s: below the 30-60 s idle timeouts of common proxies and load balancers.
    sseKeepAliveMs: readPositiveNumber(env, 'SSE_KEEPALIVE_MS', 15_000),
    // 4 of the pool's 10 connections: a restart's reconnect wave cannot starve ordinary writes.
    replayConcurrency: readInteger(env, 'REPLAY_CONCURRENCY', 4, 1),
    // Group commit: under load the next batch gathers while one commits, so no wait is needed.
    writeBatchWindowMs: readNumber(env, 'WRITE_BATCH_WINDOW_MS', 0),
    writeBatchMax: readInteger(env, 'WRITE_BATCH_MAX', 256, 1),
    adminToken: readOptionalString(env, 'ADMIN_TOKEN'),
    clusterCensusIntervalMs: readPositiveNumber(env, 'CLUSTER_CENSUS_INTERVAL_MS', 5_000),
    ws: {
      authTimeoutMs: readPositiveNumber(env, 'WS_AUTH_TIMEOUT_MS', 30_000),
      rateLimitWindowMs: readPositiveNumber(env, 'WS_RATE_LIMIT_WINDOW_MS', 60_000),
      rateLimitMaxMessages: readInteger(env, 'WS_RATE_LIMIT_MAX_MESSAGES', 300, 1),
      rateLimitDisconnectAfter: readInteger(env, 'WS_RATE_LIMIT_DISCONNECT_AFTER', 50, 1),
      maxMessageBytes: readInteger(env, 'WS_MAX_MESSAGE_BYTES', 1_048_576, 64),
      maxConnectionsPerUser: readInteger(env, 'WS_MAX_CONNECTIONS_PER_USER', 20, 1),
      maxUnauthenticatedPerAddress: readInteger(env, 'WS_MAX_UNAUTHENTICATED_PER_ADDRESS', 128, 1),
      heartbeatIntervalMs: readPositiveNumber(env, 'WS_HEARTBEAT_INTERVAL_MS', 30_000),
      // 4 MiB: several full-size messages may wait, a reader that stopped cannot hold more.
      maxBufferedBytes: readInteger(env, 'WS_MAX_BUFFERED_BYTES', 4_194_304, 1024),
      frameCoalesceMs: readNumber(env, 'WS_FRAME_COALESCE_MS', 25),
      frameCoalesceMinRate: readNumber(env, 'WS_FRAME_COALESCE_MIN_RATE', 60_000),
      requireSignedMessages: readBoolean(env, 'WS_REQUIRE_SIGNED_MESSAGES', false),
      signatureMaxAgeMs: readPositiveNumber(env, 'WS_SIGNATURE_MAX_AGE_MS', 5 * MINUTE_MS),
      maxNoncesPerConnection: readInteger(env, 'WS_MAX_NONCES', 10_000, 1),
      // 100 000 entries: about 22 MB with 22-character nonces (measured), some 50 MB with the longest
      // allowed; far above what the rate limit lets the users of one instance produce in a window.
      nonceMemoryMaxEntries: readInteger(env, 'WS_NONCE_MEMORY_MAX_ENTRIES', 100_000, 1),
      // Three heartbeats: a killed instance's slots free themselves within 90 s by default.
      connectionLeaseMs: readPositiveNumber(env, 'WS_CONNECTION_LEASE_MS', 90_000),
      expiryWarningMs: readNumber(env, 'WS_EXPIRY_WARNING_MS', MINUTE_MS),
    },
  };
  return deepFreeze(config);
}

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) {
    if (inner && typeof inner === 'object') deepFreeze(inner);
  }
  return Object.freeze(value);
}
