import { randomBytes, scrypt, type ScryptOptions, timingSafeEqual } from 'node:crypto';

/**
 * scrypt parameters: N=2^15, r=8, p=3 is one of OWASP's equivalent recommended settings. It
 * needs 32 MiB per hash (not the 128 MiB of N=2^17) and about 150 ms on a small server core.
 * Every hash records its own parameters, so raising them later never breaks stored hashes.
 */
const COST = { N: 2 ** 15, r: 8, p: 3 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const SCHEME = 'scrypt';
/** Upper bounds on stored parameters, so a tampered hash cannot make verification hang. */
const MAX_N = 2 ** 20;
const MAX_RP = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  const keyLength = KEY_LENGTH;
  // Node's default maxmem (32 MiB) is exactly 128*N*r for N=2^15, r=8, which it refuses.
  const maxmem = 128 * (options.N ?? COST.N) * (options.r ?? COST.r) * 2;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyLength, { ...options, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Hashes a password with a fresh random salt: `scrypt$N$r$p$salt$key` (salt, key base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, COST);
  return [
    SCHEME,
    COST.N,
    COST.r,
    COST.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

interface ParsedHash {
  options: { N: number; r: number; p: number };
  salt: Buffer;
  key: Buffer;
}

function parseHash(encoded: string): ParsedHash | null {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== SCHEME) return null;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const valid =
    Number.isInteger(N) &&
    N > 1 &&
    N <= MAX_N &&
    (N & (N - 1)) === 0 &&
    [r, p].every((n) => Number.isInteger(n) && n >= 1 && n <= MAX_RP);
  if (!valid) return null;
  const salt = Buffer.from(parts[4] as string, 'base64url');
  const key = Buffer.from(parts[5] as string, 'base64url');
  if (salt.length === 0 || key.length !== KEY_LENGTH) return null;
  return { options: { N, r, p }, salt, key };
}

/**
 * True when `password` matches `encoded`. Never throws for a malformed or unusable stored hash
 * (accounts created by tests or imports may hold one): that is simply no match.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parseHash(encoded);
  if (!parsed) return false;
  const candidate = await derive(password, parsed.salt, parsed.options);
  return timingSafeEqual(candidate, parsed.key);
}

let dummyHash: Promise<string> | null = null;

function dummy(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}

/**
 * Spends the same work as a real verification, for a login with an unknown email, so the answer
 * takes about as long whether or not the account exists.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  await verifyPassword(password, await dummy());
  return false;
}

/** Computes the dummy hash ahead of the first unknown-email login (which would pay twice). */
export function warmUpDummyHash(): void {
  void dummy();
}
