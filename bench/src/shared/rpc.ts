import { type ChildProcess, fork } from 'node:child_process';

/**
 * Request/response over the IPC channel of a forked child: the coordinator drives load workers
 * and targets with it, each method a plain async function of one JSON-able argument.
 */
/** `never`: any one-argument method fits; callers still see each method's own parameter type. */
type Method = (params: never) => unknown;
export type RpcApi = Record<string, Method>;

interface RpcRequest {
  rpcId: number;
  method: string;
  params: unknown;
}
interface RpcResponse {
  rpcId: number;
  result?: unknown;
  error?: string;
}
interface ReadyMessage {
  ready: true;
  info: unknown;
}

/** Runs in the child: answers the parent's calls, and exits when the parent goes away. */
export function serveRpc(api: RpcApi, readyInfo: unknown = {}): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('serveRpc needs an IPC channel (start this file with fork)');
  process.on('message', (message: RpcRequest) => {
    if (typeof message?.rpcId !== 'number') return;
    const method = api[message.method];
    Promise.resolve()
      .then(() => {
        if (!method) throw new Error(`unknown method ${message.method}`);
        return method(message.params as never);
      })
      .then(
        (result) => send({ rpcId: message.rpcId, result } satisfies RpcResponse),
        (error: unknown) =>
          send({
            rpcId: message.rpcId,
            error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          } satisfies RpcResponse),
      );
  });
  process.on('disconnect', () => process.exit(0));
  send({ ready: true, info: readyInfo } satisfies ReadyMessage);
}

export interface RpcClient<Api extends RpcApi> {
  readonly child: ChildProcess;
  /** What the child passed to serveRpc as its ready info (its port, for a target). */
  readonly info: unknown;
  call<K extends keyof Api & string>(
    method: K,
    params: Parameters<Api[K]>[0],
    timeoutMs?: number,
  ): Promise<Awaited<ReturnType<Api[K]>>>;
  /** Waits for the child to exit, killing it after timeoutMs. */
  exit(timeoutMs?: number): Promise<void>;
}

export interface ForkOptions {
  /** Extra node flags (--expose-gc, --cpu-prof ...). */
  nodeArgs?: string[];
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

/** Forks a TypeScript module under tsx and resolves once it called serveRpc. */
export async function forkRpc<Api extends RpcApi>(
  modulePath: string,
  options: ForkOptions = {},
): Promise<RpcClient<Api>> {
  const child = fork(modulePath, [], {
    execArgv: [...(options.nodeArgs ?? []), '--import', 'tsx'],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      for (const { reject } of pending.values()) {
        reject(new Error(`${modulePath} exited (${code ?? signal}) before answering`));
      }
      pending.clear();
      resolve();
    });
  });

  const info = await new Promise<unknown>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${modulePath} did not start in time`)),
      options.readyTimeoutMs ?? 60_000,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${modulePath} exited with ${code} while starting`));
    });
    child.on('message', (message: ReadyMessage | RpcResponse) => {
      if ('ready' in message) {
        clearTimeout(timer);
        resolve(message.info);
        return;
      }
      const waiter = pending.get(message.rpcId);
      if (!waiter) return;
      pending.delete(message.rpcId);
      if (message.error !== undefined) waiter.reject(new Error(message.error));
      else waiter.resolve(message.result);
    });
  });

  return {
    child,
    info,
    call(method, params, timeoutMs = 120_000) {
      if (exited) return Promise.reject(new Error(`${modulePath} has exited`));
      const rpcId = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(rpcId);
          reject(new Error(`${modulePath}: ${method} took longer than ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(rpcId, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value as Awaited<ReturnType<Api[typeof method]>>);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        child.send({ rpcId, method, params } satisfies RpcRequest);
      });
    },
    async exit(timeoutMs = 10_000) {
      if (exited) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.disconnect();
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}
