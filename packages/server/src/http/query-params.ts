import { z } from 'zod';

/** `true`/`false` in a query string; anything else is a validation error, never a silent false. */
export const queryBoolean = z.enum(['true', 'false']).transform((value) => value === 'true');

/** A path id; the services answer NOT_FOUND for anything that is not one of the user's ids. */
export const idParams = z.object({ id: z.string().max(100) });
