// Builds the web app when dist/ is missing or older than its sources, so `npm start` on a fresh
// clone serves the app and a pull that changed the app is picked up, without rebuilding when
// nothing changed. Usage: node apps/web/scripts/ensure-build.mjs [--force]
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import console from 'node:console';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { build } from 'vite';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const builtIndex = join(appDir, 'dist', 'index.html');
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

export async function ensureWebBuild({ force = false } = {}) {
  if (!force && webBuildIsCurrent()) return false;
  await build({ root: appDir, logLevel: 'warn', configFile: join(appDir, 'vite.config.ts') });
  return true;
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
