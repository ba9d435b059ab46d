import type { LoggerOptions } from 'pino';
import type { Config } from './config/config';
import { serializeError } from './logged-error';

/**
 * Paths that may hold a credential or a user's words. Redacted wherever they appear, so a log
 * line can never carry a token, a password, a cookie or a note body.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'token',
  'accessToken',
  'refreshToken',
  'password',
  'content',
  'encryptedContent',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.password',
  '*.content',
  '*.encryptedContent',
];

/** Strips the `token` query parameter from a URL before it is logged. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|access_token)=)[^&#]*/gi, '$1[REDACTED]');
}

export function loggerOptions(config: Pick<Config, 'logLevel'>): LoggerOptions {
  return {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    serializers: {
      err: serializeError,
      req(request: { method: string; url: string; ip?: string; id?: string }) {
        return {
          id: request.id,
          method: request.method,
          url: redactUrl(request.url),
          ip: request.ip,
        };
      },
    },
  };
}
