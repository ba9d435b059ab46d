import { z } from 'zod';

/** Request bodies of the auth routes; parsed with parseWith, so failures are VALIDATION_FAILED. */

/** Emails are compared lowercased everywhere (the unique index is on lower(email)). */
const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email('must be an email address'));

/** 8 is NIST's floor; 256 bounds the hashing work a single request can ask for. */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;
const newPassword = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`);

/**
 * `cookie` (the default): tokens in httpOnly cookies, for browsers. `body`: the refresh token in
 * the response body and no cookies, for clients that keep their own tokens.
 */
const tokenDelivery = z.enum(['cookie', 'body']).optional();
export type TokenDelivery = 'cookie' | 'body';

const name = z
  .string()
  .trim()
  .max(100, 'must be at most 100 characters')
  .transform((value) => (value === '' ? null : value));

export const registerBody = z.object({
  email,
  password: newPassword,
  name: name.nullish().transform((value) => value ?? null),
  tokenDelivery,
});

export const loginBody = z.object({
  email,
  // Not the sign-up rules: a short password simply does not match (and counts as a failure).
  password: z.string().min(1, 'is required').max(PASSWORD_MAX_LENGTH, 'is too long'),
  tokenDelivery,
});

/** Far above a real token's 66 characters; anything longer is refused before any lookup. */
const refreshToken = z.string().min(1).max(512);

export const refreshBody = z.object({ refreshToken: refreshToken.optional(), tokenDelivery });

export const logoutBody = z.object({ refreshToken: refreshToken.optional() });
