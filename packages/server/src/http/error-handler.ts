import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, isAppError, unexpectedError } from '../errors';

/** Fastify's own error codes, translated into the registered table. */
const FASTIFY_CODES: Record<string, () => AppError> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new AppError('UNSUPPORTED_MEDIA_TYPE'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () =>
    new AppError('VALIDATION_FAILED', 'Bad Content-Length.'),
  FST_ERR_CTP_BODY_TOO_LARGE: () => new AppError('PAYLOAD_TOO_LARGE'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () =>
    new AppError('VALIDATION_FAILED', 'The body is empty; send a JSON object.'),
  FST_ERR_CTP_INVALID_JSON_BODY: () =>
    new AppError('VALIDATION_FAILED', 'The body is not valid JSON.'),
};

/** Turns anything thrown by a route into the one error envelope; a 500 is logged as a bug. */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const fastifyError = error as Partial<FastifyError>;
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return mapped();
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
    return new AppError('VALIDATION_FAILED', 'The body is not valid JSON.');
  }
  if (fastifyError.statusCode === 413) return new AppError('PAYLOAD_TOO_LARGE');
  if (fastifyError.statusCode === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE');
  return unexpectedError(error);
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) {
      request.log.error({ err: error, code: appError.code }, 'request failed');
    }
    if (appError.code === 'DB_UNAVAILABLE' || appError.code === 'SHUTTING_DOWN') {
      void reply.header('retry-after', '5');
    }
    return reply.status(appError.status).send(appError.toEnvelope());
  });
  app.setNotFoundHandler((_request, reply) => {
    const error = new AppError('NOT_FOUND', 'No such route.');
    return reply.status(404).send(error.toEnvelope());
  });
}
