import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Opaque refresh tokens `id.secret`, after lucia: the id finds the row, only a SHA-256 of the
 * secret is stored (a leaked table yields no usable token), and the comparison is constant-time.
 * Neither part looks like a JWT, so a refresh token can never pass as an access token.
 */
export interface RefreshTokenParts {
  id: string;
  secret: string;
}

const ID_BYTES = 16;
const SECRET_BYTES = 32;
const PART = /^[A-Za-z0-9_-]+$/;
/** base64url lengths of the parts, to refuse anything else before touching the database. */
const ID_LENGTH = Math.ceil((ID_BYTES * 4) / 3);
const SECRET_LENGTH = Math.ceil((SECRET_BYTES * 4) / 3);

export function generateRefreshToken(): RefreshTokenParts & { token: string } {
  const id = randomBytes(ID_BYTES).toString('base64url');
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { id, secret, token: `${id}.${secret}` };
}

/** Splits a presented token; null for anything not shaped like one of ours. */
export function parseRefreshToken(token: string): RefreshTokenParts | null {
  const [id, secret, extra] = token.split('.');
  if (extra !== undefined || id === undefined || secret === undefined) return null;
  if (id.length !== ID_LENGTH || secret.length !== SECRET_LENGTH) return null;
  if (!PART.test(id) || !PART.test(secret)) return null;
  return { id, secret };
}

export function hashRefreshSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Constant-time check of a presented secret against the stored hash. */
export function refreshSecretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashRefreshSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
