import type { TrustProxy } from '../config/env-parsers';

type TrustFunction = (address: string, hop: number) => boolean;

/**
 * Fastify's form of TRUST_PROXY. A hop count becomes "trust the nearest n hops": the client
 * address is then the entry the outermost trusted proxy appended, never one a client wrote.
 */
export function fastifyTrustProxy(setting: TrustProxy): boolean | string[] | TrustFunction {
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return setting;
}
