import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { busiestWindow, type CpuProfile } from './profile-window';

/**
 * `npx tsx bench/src/report/profile-summary.ts FILE_OR_DIR [TOP] [--window MS [--after NAME]]`:
 * where a target's CPU time went, as self time per function and per package/file, from a
 * `node --cpu-prof` profile. `npm run bench -- --profile` writes a directory per target; given a
 * directory, the largest profile in it (the main thread's) is read. `--window` summarises only
 * the busiest MS of it, `--after` only what follows the last sample inside function NAME
 * (profile-window.ts): `--window 1200 --after provision` is a Tidings connect run without its
 * start-up.
 */
export interface ProfileLine {
  name: string;
  ms: number;
  share: number;
}

export function summariseProfile(profile: CpuProfile, top = 25) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index] ?? 0;
    const frame = nodes.get(id)?.callFrame;
    if (!frame) return;
    total += micros;
    const where = moduleOf(frame.url);
    const fn = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
    byModule.set(where, (byModule.get(where) ?? 0) + micros);
  });
  const lines = (map: Map<string, number>): ProfileLine[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => ({
        name,
        ms: Math.round(micros / 1000),
        share: total ? Math.round((micros / total) * 1000) / 10 : 0,
      }));
  return {
    totalMs: Math.round(total / 1000),
    functions: lines(byFunction),
    modules: lines(byModule),
  };
}

/** A package name for node_modules code, a repo-relative path for ours, the rest as V8 names it. */
function moduleOf(url: string): string {
  if (!url) return '(native)';
  const inModules = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (inModules) return inModules[1]!;
  const ours = url.match(/\/(packages\/.+|bench\/.+)$/);
  if (ours) return ours[1]!;
  return url.replace(/^file:\/\//, '');
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { window: { type: 'string' }, after: { type: 'string' } },
  });
  const [given, top] = positionals;
  if (!given) {
    throw new Error(
      'usage: profile-summary.ts FILE.cpuprofile|DIR [TOP] [--window MS [--after NAME]]',
    );
  }
  const file = (await stat(given)).isDirectory() ? await largestProfile(given) : given;
  const whole = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const profile = values.window ? busiestWindow(whole, Number(values.window), values.after) : whole;
  const summary = summariseProfile(profile, top ? Number(top) : 25);
  const print = (title: string, lines: ProfileLine[]) => {
    process.stdout.write(`\n${title}\n`);
    for (const line of lines) {
      process.stdout.write(
        `${String(line.ms).padStart(8)} ms ${String(line.share).padStart(5)}%  ${line.name}\n`,
      );
    }
  };
  process.stdout.write(`${file}: ${summary.totalMs} ms sampled\n`);
  print('self time by package/file', summary.modules);
  print('self time by function', summary.functions);
}

async function largestProfile(dir: string): Promise<string> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile'));
  const sized = await Promise.all(
    files.map(async (name) => ({
      path: join(dir, name),
      size: (await stat(join(dir, name))).size,
    })),
  );
  const largest = sized.sort((a, b) => b.size - a.size)[0];
  if (!largest) throw new Error(`no .cpuprofile in ${dir}`);
  return largest.path;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
