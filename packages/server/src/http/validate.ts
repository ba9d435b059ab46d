import type { z } from 'zod';
import { AppError } from '../errors';
import { findUnstorableText } from './storable-text';

interface Problem {
  path: string;
  message: string;
}

/**
 * Parses untrusted input with a schema, or throws VALIDATION_FAILED listing what to fix. Input
 * the schema accepts must also be storable: a NUL or an unpaired surrogate anywhere is refused.
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    refuse(
      result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  }
  const unstorable = findUnstorableText(result.data);
  if (unstorable) refuse([unstorable]);
  return result.data;
}

function refuse(details: Problem[]): never {
  const first = details[0];
  const summary = first ? `${first.path || 'body'}: ${first.message}` : 'invalid input';
  throw new AppError('VALIDATION_FAILED', `The request is not valid (${summary}).`, details);
}
