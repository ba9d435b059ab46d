import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Sliding-window log in a sorted set (score = event time). KEYS[1] the key; ARGV now, windowMs,
 * max, record ('1' to record the event if allowed), member (unique). Refused events are not
 * recorded, so a key holds at most `max` members. Returns {allowed, retryAfterMs}.
 */
export const SLIDING_WINDOW_SCRIPT = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count < max then
  if ARGV[4] == '1' then
    redis.call('ZADD', key, now, ARGV[5])
    redis.call('PEXPIRE', key, window)
  end
  return {1, 0}
end
local oldest = redis.call('ZRANGE', key, count - max, count - max, 'WITHSCORES')
local retry = tonumber(oldest[2]) + window - now
if retry < 1 then retry = 1 end
return {0, retry}
`;

/**
 * Connection slots of one user in a sorted set (member = connection id, score = lease expiry).
 * KEYS[1] the key; ARGV now, leaseMs, max, connectionId. Lapsed leases (a killed instance) are
 * dropped first; a connection already holding a slot renews it. Returns 1 when the slot is held.
 */
export const ACQUIRE_SLOT_SCRIPT = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local lease = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
if not redis.call('ZSCORE', key, ARGV[4]) and redis.call('ZCARD', key) >= max then
  return 0
end
redis.call('ZADD', key, now + lease, ARGV[4])
redis.call('PEXPIRE', key, lease)
return 1
`;

const shaByScript = new Map<string, string>();

/** EVALSHA, loading the script with EVAL when this Redis has not seen it yet (or restarted). */
export async function runScript(
  client: Redis,
  script: string,
  keys: string[],
  args: (string | number)[],
): Promise<unknown> {
  let sha = shaByScript.get(script);
  if (!sha) {
    sha = createHash('sha1').update(script).digest('hex');
    shaByScript.set(script, sha);
  }
  try {
    return await client.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.eval(script, keys.length, ...keys, ...args);
  }
}
