import { isIP } from 'node:net';
/** Thrown when an environment variable holds a value the server cannot use; names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`Invalid configuration: ${variable} ${detail}`);
    this.name = 'ConfigError';
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function readString(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

export function readOptionalString(env: Env, name: string): string | undefined {
  return raw(env, name);
}

/** A finite number >= min (fractions allowed: `JWT_EXPIRATION_MINUTES=0.05` is three seconds). */
export function readNumber(env: Env, name: string, fallback: number, min = 0): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min) {
    throw new ConfigError(name, `must be a number >= ${min}, got "${value}"`);
  }
  return parsed;
}

export function readPositiveNumber(env: Env, name: string, fallback: number): number {
  const parsed = readNumber(env, name, fallback, 0);
  if (parsed <= 0) throw new ConfigError(name, `must be greater than 0, got "${env[name]}"`);
  return parsed;
}

export function readInteger(env: Env, name: string, fallback: number, min = 0, max = Infinity) {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return parsed;
}

export function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  throw new ConfigError(name, `must be true or false, got "${env[name]}"`);
}

/**
 * Which proxies may set the client address through `X-Forwarded-For`. `false` (default): none,
 * the socket address counts. A number: that many proxy hops in front (`true` means one), so the
 * address is the entry the nearest trusted proxy appended, and anything a client wrote further
 * left is ignored. Otherwise a comma list of the proxies' addresses or CIDR ranges.
 */
export type TrustProxy = false | number | string[];

export function readTrustProxy(env: Env, name: string): TrustProxy {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined || ['false', '0', 'no'].includes(value)) return false;
  if (['true', 'yes'].includes(value)) return 1;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const maxBits = family === 6 ? 128 : 32;
    const validBits = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits);
    if (family === 0 || !validBits || extra !== undefined) {
      throw new ConfigError(
        name,
        `must be false, true, a hop count, or proxy addresses/CIDRs; "${entry}" is none of these`,
      );
    }
  }
  return entries;
}

export function readEnum<T extends string>(
  env: Env,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}

/** An origin is scheme://host[:port] and nothing else; anything more is a configuration mistake. */
export function parseOrigin(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `holds "${value}", which is not a URL`);
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.origin !== value.replace(/\/$/, '')) {
    throw new ConfigError(name, `holds "${value}"; give an origin like https://app.example.com`);
  }
  return url.origin;
}
