import type { PublicUser } from '@tidings/protocol';
import { eq, sql } from 'drizzle-orm';
import { AppError } from '../errors';
import type { Database, Queryable } from '../store/database';
import { isUniqueViolation } from '../store/db-errors';
import { users } from '../store/schema';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './passwords';
import { type IssuedRefresh, startSession } from './sessions';

type UserRow = typeof users.$inferSelect;

/** What a user may see of their own account (never the hash). */
export function toPublicUser(
  row: Pick<UserRow, 'id' | 'email' | 'name' | 'createdAt'>,
): PublicUser {
  return { id: row.id, email: row.email, name: row.name, createdAt: row.createdAt.toISOString() };
}

export interface NewAccount {
  /** Already validated and lowercased. */
  email: string;
  password: string;
  name: string | null;
}

export interface SignedIn {
  user: PublicUser;
  session: IssuedRefresh;
}

/**
 * Creates the account and its first session in one transaction. The unique index on
 * lower(email) decides duplicates, so two concurrent sign-ups with one email give one account
 * and one 409 EMAIL_TAKEN, never a 500.
 */
export async function createAccount(
  db: Database,
  account: NewAccount,
  refreshTtlMs: number,
  userAgent: string | undefined,
): Promise<SignedIn> {
  const passwordHash = await hashPassword(account.password);
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(users)
        .values({ email: account.email, passwordHash, name: account.name })
        .returning();
      const user = row as UserRow;
      const session = await startSession(tx, user.id, { ttlMs: refreshTtlMs }, userAgent);
      return { user: toPublicUser(user), session };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('EMAIL_TAKEN');
    throw error;
  }
}

/**
 * The account whose email and password match, or null. An unknown email still spends one hash
 * verification, so timing does not tell which emails have accounts.
 */
export async function checkCredentials(
  db: Queryable,
  email: string,
  password: string,
): Promise<UserRow | null> {
  const [row] = await db
    .select()
    .from(users)
    .where(eq(sql`lower(${users.email})`, email))
    .limit(1);
  if (!row) return verifyAgainstDummy(password).then(() => null);
  return (await verifyPassword(password, row.passwordHash)) ? row : null;
}

export async function findPublicUser(db: Queryable, userId: string): Promise<PublicUser | null> {
  const [row] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  return row ? toPublicUser(row) : null;
}
