import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openFileShortfall } from './open-file-check';
import { parseOptions, USAGE } from './options';
import { checkGoals, renderGoals } from './report/goals';
import { renderTable, summarise } from './report/table';
import { runBench } from './run-bench';

/** `npm run bench -- [flags]`: runs the workloads, prints the table, writes the JSON. */
const RESULTS_DIR = fileURLToPath(new URL('../results', import.meta.url));

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const shortfall = openFileShortfall(options);
  if (shortfall) throw new Error(shortfall);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const profileDir = options.profile ? join(RESULTS_DIR, 'profiles', stamp) : undefined;
  const run = await runBench(options, (line) => process.stderr.write(`${line}\n`), profileDir);
  const out = options.out ?? join(RESULTS_DIR, `run-${stamp}.json`);
  await mkdir(dirname(out), { recursive: true });
  const goals = checkGoals(run);
  await writeFile(out, `${JSON.stringify({ ...run, summary: summarise(run), goals }, null, 2)}\n`);
  const goalTable = renderGoals(goals);
  process.stdout.write(
    `\nTidings bench ${run.startedAt} on ${run.machine.cpus} x ${run.machine.cpuModel}, ` +
      `node ${run.machine.node}\n\n${renderTable(run)}\n\n` +
      `${goalTable ? `${goalTable}\n\n` : ''}JSON: ${out}\n`,
  );
  if (profileDir) process.stdout.write(`CPU profiles: ${profileDir}\n`);
  const failed = run.targets.some((t) => t.errors.length > 0);
  process.exitCode = failed ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
