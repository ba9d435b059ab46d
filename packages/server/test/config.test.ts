import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config';
import { ConfigError } from '../src/config/env-parsers';

const strongSecret = 'k3Jv9x2QmZ7pLw4RtY8uNb6Hc1Df5Gs0aEi';

function failure(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('starts on documented defaults with no environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.dataDir).toBe('./data');
    expect(config.accessTokenTtlMs).toBe(15 * 60_000);
    expect(config.refreshTokenTtlMs).toBe(7 * 24 * 3_600_000);
    expect(config.corsOrigins).toEqual(['http://127.0.0.1:3000']);
    expect(config.ws.authTimeoutMs).toBe(30_000);
    expect(config.jwtSecret).toBeUndefined();
    expect(Object.isFrozen(config.ws)).toBe(true);
  });

  it('reads TRUST_PROXY as off, a hop count or proxy addresses, and refuses anything else', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({}).clusterCensusIntervalMs).toBe(5_000);
    expect(failure({ CLUSTER_CENSUS_INTERVAL_MS: '0' }).message).toContain('CLUSTER_CENSUS');
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }).trustProxy).toEqual([
      '127.0.0.1',
      '10.0.0.0/8',
    ]);
    expect(failure({ TRUST_PROXY: 'nginx' }).message).toContain('TRUST_PROXY');
    expect(failure({ TRUST_PROXY: '10.0.0.0/40' }).message).toContain('TRUST_PROXY');
  });

  it('accepts fractional lifetimes so tests never wait minutes', () => {
    const config = loadConfig({
      JWT_EXPIRATION_MINUTES: '0.05',
      JWT_REFRESH_EXPIRATION_DAYS: '0.5',
    });
    expect(config.accessTokenTtlMs).toBe(3_000);
    expect(config.refreshTokenTtlMs).toBe(12 * 3_600_000);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ JWT_EXPIRATION_MINUTES: '-1' }, 'JWT_EXPIRATION_MINUTES'],
    [{ JWT_EXPIRATION_MINUTES: '0' }, 'JWT_EXPIRATION_MINUTES'],
    [{ JWT_REFRESH_EXPIRATION_DAYS: 'week' }, 'JWT_REFRESH_EXPIRATION_DAYS'],
    [{ WS_REQUIRE_SIGNED_MESSAGES: 'maybe' }, 'WS_REQUIRE_SIGNED_MESSAGES'],
    [{ CORS_ORIGINS: '*' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'https://app.example.com/path' }, 'CORS_ORIGINS'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ REDIS_COMMAND_TIMEOUT_MS: '0' }, 'REDIS_COMMAND_TIMEOUT_MS'],
    [{ WS_CONNECTION_LEASE_MS: 'soon' }, 'WS_CONNECTION_LEASE_MS'],
    [{ WS_NONCE_MEMORY_MAX_ENTRIES: '0' }, 'WS_NONCE_MEMORY_MAX_ENTRIES'],
    [{ WS_NONCE_MEMORY_MAX_ENTRIES: '1.5' }, 'WS_NONCE_MEMORY_MAX_ENTRIES'],
  ])('rejects %o naming %s', (env, variable) => {
    const error = failure(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
  });

  it('refuses to start in production without a strong secret', () => {
    expect(failure({ NODE_ENV: 'production' }).variable).toBe('JWT_SECRET');
    expect(failure({ NODE_ENV: 'production', JWT_SECRET: 'short' }).variable).toBe('JWT_SECRET');
    const placeholder = 'change-me-in-production-use-long-random-string';
    expect(failure({ NODE_ENV: 'production', JWT_SECRET: placeholder }).variable).toBe(
      'JWT_SECRET',
    );
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: strongSecret }).jwtSecret).toBe(
      strongSecret,
    );
  });

  it('reads the limits settings, with documented defaults', () => {
    const defaults = loadConfig({});
    expect(defaults.redisCommandTimeoutMs).toBe(500);
    expect(defaults.ws.connectionLeaseMs).toBe(90_000);
    expect(defaults.ws.nonceMemoryMaxEntries).toBe(100_000);
    const set = loadConfig({
      REDIS_COMMAND_TIMEOUT_MS: '250',
      WS_CONNECTION_LEASE_MS: '3000',
      WS_NONCE_MEMORY_MAX_ENTRIES: '5000',
    });
    expect(set.redisCommandTimeoutMs).toBe(250);
    expect(set.ws.connectionLeaseMs).toBe(3_000);
    expect(set.ws.nonceMemoryMaxEntries).toBe(5_000);
  });

  it('always allows its own origin and marks cookies secure behind https', () => {
    const config = loadConfig({
      PUBLIC_URL: 'https://notes.example.org/',
      CORS_ORIGINS: 'https://app.example.org, http://localhost:5173',
    });
    expect(config.secureCookies).toBe(true);
    expect(config.corsOrigins).toEqual([
      'https://notes.example.org',
      'https://app.example.org',
      'http://localhost:5173',
    ]);
  });
});
