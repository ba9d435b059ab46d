import type { z } from 'zod';
import { AppError } from '../errors';

/** Parses untrusted input with a schema, or throws VALIDATION_FAILED listing what to fix. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    path: issue.path.join('.'),
    message: issue.message,
  }));
  const first = details[0];
  const summary = first ? `${first.path || 'body'}: ${first.message}` : 'invalid input';
  throw new AppError('VALIDATION_FAILED', `The request is not valid (${summary}).`, details);
}
