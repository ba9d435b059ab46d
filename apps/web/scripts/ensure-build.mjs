// Builds the web app when dist/ is missing or older than its sources, so `npm start` on a fresh
// clone serves the app and a pull that changed the app is picked up, without rebuilding when
// nothing changed. Usage: node apps/web/scripts/ensure-build.mjs [--force]
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import console from 'node:console';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const distDir = join(appDir, 'dist');
const builtIndex = join(distDir, 'index.html');
const workDir = join(appDir, '.tmp');
const lockDir = join(workDir, 'build.lock');
/** A lock older than this belongs to a build that died; take it over. */
const STALE_LOCK_MS = 120_000;
const sources = [
  'src',
  'index.html',
  'vite.config.ts',
  '../../packages/client/src',
  '../../packages/protocol/src',
];

/** Newest modification time among the files under `path`. */
function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => {
    return Math.max(newest, newestMtime(join(path, entry)));
  }, stat.mtimeMs);
}

export function webBuildIsCurrent() {
  if (!existsSync(builtIndex)) return false;
  const builtAt = statSync(builtIndex).mtimeMs;
  return sources.every((source) => newestMtime(join(appDir, source)) <= builtAt);
}

/**
 * Test files and `npm start` may ask at the same moment: one builds while the others wait for the
 * lock and then find the build current. The build goes to a scratch directory and replaces dist/
 * in one rename, so a server starting meanwhile never sees half a build.
 */
export async function ensureWebBuild({ force = false } = {}) {
  if (!force && webBuildIsCurrent()) return false;
  await acquireLock();
  try {
    if (!force && webBuildIsCurrent()) return false;
    // Imported here, not at the top: an install without devDependencies has no Vite, and
    // `npm start` must then still start the API.
    const { build } = await import('vite');
    const scratch = join(workDir, `build-${process.pid}`);
    rmSync(scratch, { recursive: true, force: true });
    await build({
      root: appDir,
      logLevel: 'warn',
      configFile: join(appDir, 'vite.config.ts'),
      build: { outDir: scratch, emptyOutDir: true },
    });
    const previous = join(workDir, `previous-${process.pid}`);
    if (existsSync(distDir)) renameSync(distDir, previous);
    renameSync(scratch, distDir);
    rmSync(previous, { recursive: true, force: true });
    return true;
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

async function acquireLock() {
  mkdirSync(workDir, { recursive: true });
  for (;;) {
    try {
      mkdirSync(lockDir);
      return;
    } catch (error) {
      if (error?.code !== 'EEXIST') throw error;
      const age = Date.now() - statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs;
      if (age > STALE_LOCK_MS) rmSync(lockDir, { recursive: true, force: true });
      else await sleep(100);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const force = process.argv.includes('--force');
  try {
    const built = await ensureWebBuild({ force });
    console.warn(built ? 'web app built into apps/web/dist' : 'web app build is current');
  } catch (error) {
    // `npm run build:web` must fail loudly. Before `npm start` a failed build must not keep the
    // API from starting: the server then serves the previous build, or the API only.
    console.error('web app build failed:', error instanceof Error ? error.message : error);
    if (force) process.exit(1);
    console.error(
      existsSync(builtIndex)
        ? 'starting with the previous build of the web app'
        : 'starting without the web app (API only)',
    );
  }
}
