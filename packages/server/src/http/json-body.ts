import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { AppError } from '../errors';

/**
 * JSON bodies, parsed as Fastify would (refusing `__proto__` and `constructor.prototype` keys),
 * but saying which fault it was: Fastify's own parser answers "not valid JSON" to a prototype
 * key too, which is not what the client has to fix.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.length === 0) {
      done(new AppError('VALIDATION_FAILED', 'The body is empty; send a JSON object.'));
      return;
    }
    try {
      done(null, secureJson.parse(text, { protoAction: 'error', constructorAction: 'error' }));
    } catch (error) {
      const prototypeKey = error instanceof Error && /prototype property/.test(error.message);
      done(
        prototypeKey
          ? new AppError('VALIDATION_FAILED', 'The body may not contain prototype keys.', [
              { path: 'body', message: '__proto__ and constructor.prototype keys are not allowed' },
            ])
          : new AppError('VALIDATION_FAILED', 'The body is not valid JSON.'),
      );
    }
  });
}
