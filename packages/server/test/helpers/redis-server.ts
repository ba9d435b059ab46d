import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';

/** Whether Debian's redis-server binary is here to start private Redis instances for fault tests. */
export const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

if (!hasRedisServer) {
  console.warn('Redis suites SKIPPED: no redis-server binary (apt-get install redis-server).');
}

export interface PrivateRedis {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/**
 * A Redis of the test's own on a given loopback port, so a test can stop and restart it without
 * disturbing the machine's shared Redis or other suites.
 */
export async function startPrivateRedis(port: number): Promise<PrivateRedis> {
  let child: ChildProcess | null = null;
  async function start(): Promise<void> {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100 && !(await answers(port)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  async function stop(): Promise<void> {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  }
  await start();
  return { url: `redis://127.0.0.1:${port}`, start, stop };
}
