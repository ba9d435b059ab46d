import type { ConnectionSpec } from '../shared/types';

/** One open connection of a load worker, whatever the target speaks. */
export interface BenchConnection {
  /** Sends one payload body to the connection's room. */
  publish(body: string): void;
  close(): Promise<void>;
}

export interface ConnectionEvents {
  /** A payload body that arrived from the room. */
  onBody(body: string): void;
  /** Anything else the server sent that the bench does not expect (errors, rejections). */
  onUnexpected(description: string): void;
  /** The connection ended without the bench closing it. */
  onLost(): void;
}

/** Opens a connection, joins its room, and resolves once messages to the room will arrive. */
export type OpenConnection = (
  baseUrl: string,
  spec: ConnectionSpec,
  events: ConnectionEvents,
) => Promise<BenchConnection>;

/** Rejects when `promise` is not settled within ms. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
