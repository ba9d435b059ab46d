import { z } from 'zod';

/**
 * Runtime schemas of what clients may write, shared by the REST routes, the WebSocket messages
 * and the SDK. Objects are strict: an unknown field (or `__proto__`) is an error, not ignored.
 */

const MAX_TITLE = 1_000;
const MAX_TAGS = 100;
const MAX_TAG_NAME = 64;
const MAX_FOLDER_NAME = 200;

export const recordIdSchema = z.uuid();

const tagNameSchema = z.string().trim().min(1).max(MAX_TAG_NAME);

export const noteChangesSchema = z.strictObject({
  folderId: recordIdSchema.nullable().optional(),
  title: z.string().max(MAX_TITLE).optional(),
  // Content is bounded by the request and message size limits, not here.
  content: z.string().optional(),
  encryptedTitle: z.string().nullable().optional(),
  encryptedContent: z.string().nullable().optional(),
  starred: z.boolean().optional(),
  archived: z.boolean().optional(),
  deleted: z.boolean().optional(),
  hidden: z.boolean().optional(),
  tags: z.array(tagNameSchema).max(MAX_TAGS).optional(),
});

/** A new note: any writable field, and optionally its id (so a replayed create applies once). */
export const noteCreateSchema = noteChangesSchema.extend({ id: recordIdSchema.optional() });

export const folderChangesSchema = z.strictObject({
  name: z.string().trim().min(1).max(MAX_FOLDER_NAME).optional(),
  parentId: recordIdSchema.nullable().optional(),
  sortOrder: z.number().int().min(-1_000_000).max(1_000_000).optional(),
});

export const folderCreateSchema = folderChangesSchema.extend({
  id: recordIdSchema.optional(),
  name: z.string().trim().min(1).max(MAX_FOLDER_NAME),
});

export const tagColorSchema = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, 'a colour like #a1b2c3')
  .nullable();

export const tagCreateSchema = z.strictObject({
  name: tagNameSchema,
  color: tagColorSchema.optional(),
});

export const tagChangesSchema = z.strictObject({
  name: tagNameSchema.optional(),
  color: tagColorSchema.optional(),
});
