import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './test-server';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** A Tidings server running as its own OS process, as in a real deployment. */
export interface InstanceProcess {
  name: string;
  url: string;
  wsUrl: string;
  /** Everything the process wrote to stdout and stderr (its JSON logs). */
  output(): string;
  /** Sends a signal and waits for the exit; resolves with the exit code (null when killed). */
  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface InstanceOptions {
  /** Starts the process with this soft and hard open-file limit (`ulimit -n`), as a service. */
  openFileLimit?: number;
}

/**
 * Starts `src/main.ts` in a child process with exactly `env` on top of a minimal base, and waits
 * until /readyz answers 200 (or fails with the process output). A free port can be taken by
 * another suite between probing and listening; then it tries again on a new one.
 */
export async function startInstance(
  name: string,
  env: Record<string, string>,
  // Generous: on a loaded 2-core CI machine tsx compiling main.ts can take many seconds.
  timeoutMs = 60_000,
  options: InstanceOptions = {},
): Promise<InstanceProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePort(name, env, timeoutMs, options);
    } catch (error) {
      const portTaken = error instanceof Error && error.message.includes('EADDRINUSE');
      if (!portTaken || attempt >= 3) throw error;
    }
  }
}

async function startOnFreePort(
  name: string,
  env: Record<string, string>,
  timeoutMs: number,
  options: InstanceOptions,
): Promise<InstanceProcess> {
  const port = await freePort();
  const node = [process.execPath, '--import', 'tsx', MAIN];
  // The shell sets the limit and then becomes node (exec), so signals still reach the server.
  const [command, ...args] =
    options.openFileLimit === undefined
      ? node
      : ['/bin/sh', '-c', 'ulimit -n "$0" && exec "$@"', String(options.openFileLimit), ...node];
  const child: ChildProcess = spawn(command as string, args, {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited at start:\n${output}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    name,
    url,
    wsUrl: `ws://127.0.0.1:${port}`,
    output: () => output,
    exited,
    async stop(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}
