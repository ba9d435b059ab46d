import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './test-server';

/** Debian's nginx, when installed (CI installs it). */
export const hasNginx = spawnSync('nginx', ['-v']).status === 0;
if (!hasNginx) console.warn('nginx suite SKIPPED: no nginx binary (apt-get install nginx-light).');

const SHIPPED_CONFIG = fileURLToPath(
  new URL('../../../../deploy/nginx/tidings.conf', import.meta.url),
);

export interface Nginx {
  url: string;
  wsUrl: string;
  stop(): Promise<void>;
}

/**
 * Runs nginx in the foreground with the shipped deploy/nginx/tidings.conf, pointed at
 * `upstreamPort` and listening on a free port; everything else in that file is used as is.
 */
export async function startNginx(upstreamPort: number): Promise<Nginx> {
  const port = await freePort();
  const prefix = await mkdtemp(join(tmpdir(), 'tidings-nginx-'));
  const site = (await readFile(SHIPPED_CONFIG, 'utf8'))
    .replace(/listen 8080;/, `listen 127.0.0.1:${port};`)
    .replace(/server 127\.0\.0\.1:3000;/, `server 127.0.0.1:${upstreamPort};`);
  const runAsRoot = process.getuid?.() === 0 ? 'user root;' : '';
  await writeFile(
    join(prefix, 'nginx.conf'),
    `${runAsRoot}
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  ${site}
}
`,
  );
  const child: ChildProcess = spawn(
    'nginx',
    ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    const up = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (up) break;
    if (i > 100) throw new Error(`nginx did not come up: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGQUIT');
        });
      }
      await rm(prefix, { recursive: true, force: true });
    },
  };
}
