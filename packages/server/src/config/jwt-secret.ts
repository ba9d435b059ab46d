import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const SECRET_FILE = 'jwt-secret';

/**
 * Outside production a missing JWT_SECRET is generated once and kept under dataDir, so tokens
 * survive restarts without anyone ever running on a default secret (seed 002).
 */
export async function loadOrCreateDevSecret(
  dataDir: string,
): Promise<{ secret: string; created: boolean }> {
  const path = join(dataDir, SECRET_FILE);
  try {
    const stored = (await readFile(path, 'utf8')).trim();
    if (stored.length >= 32) return { secret: stored, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  await writeFile(path, `${secret}\n`, { mode: 0o600 });
  return { secret, created: true };
}
