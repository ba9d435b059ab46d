import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import type { TrustProxy } from '../config/env-parsers';
import { fastifyTrustProxy } from './trust-proxy';

/**
 * The client's address of a raw request (a WebSocket upgrade, which Fastify's `request.ip` does
 * not see), decided by TRUST_PROXY exactly as Fastify decides it: the socket's peer, or the
 * entry the outermost trusted proxy appended to X-Forwarded-For, never one a client wrote.
 */
export function clientAddressOf(setting: TrustProxy): (request: IncomingMessage) => string {
  const trust = fastifyTrustProxy(setting);
  if (trust === false) return (request) => request.socket.remoteAddress ?? '';
  const trusted =
    typeof trust === 'function' ? trust : proxyAddr.compile(trust === true ? [] : trust);
  return (request) => proxyAddr(request, trusted);
}
