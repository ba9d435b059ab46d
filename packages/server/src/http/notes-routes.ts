import { noteChangesSchema, noteCreateSchema, recordIdSchema } from '@tidings/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../app';
import { actorOf, principalOf, requireUser } from './require-user';
import { idParams, queryBoolean } from './query-params';
import { parseWith } from './validate';

const listQuery = z.strictObject({
  folderId: z.union([z.literal('root'), recordIdSchema]).optional(),
  starred: queryBoolean.optional(),
  archived: queryBoolean.optional(),
  deleted: queryBoolean.optional(),
  hidden: queryBoolean.optional(),
  tag: z.string().trim().min(1).max(64).optional(),
  q: z.string().trim().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z.string().max(200).optional(),
});

const updateBody = noteChangesSchema.extend({ baseVersion: z.number().int().min(1).optional() });
const deleteQuery = z.strictObject({ permanent: queryBoolean.optional() });
const revertBody = z.strictObject({ version: z.number().int().min(1) });
const versionParams = z.object({
  id: z.string().max(100),
  version: z.coerce.number().int().min(1),
});

/** REST for notes; every write is logged and reaches live connections (see domain/). */
export function registerNotesRoutes(app: FastifyInstance, context: AppContext): void {
  const notes = context.data.notes;
  const authed = { preHandler: requireUser(context) };

  app.get('/api/notes', authed, async (request) => {
    const { folderId, ...filter } = parseWith(listQuery, request.query);
    const folder = folderId === 'root' ? null : folderId;
    return notes.list(principalOf(request).userId, { ...filter, folderId: folder });
  });

  app.post('/api/notes', authed, async (request, reply) => {
    const input = parseWith(noteCreateSchema, request.body);
    const note = await notes.create(actorOf(request), input);
    return reply.code(201).send({ note });
  });

  app.get('/api/notes/:id', authed, async (request) => {
    const { id } = parseWith(idParams, request.params);
    return { note: await notes.get(principalOf(request).userId, id) };
  });

  const updateNotesRoute = async (request: FastifyRequest) => {
    const { id } = parseWith(idParams, request.params);
    const { baseVersion, ...changes } = parseWith(updateBody, request.body);
    const actor = actorOf(request);
    return { note: await notes.update(actor, id, changes, baseVersion) };
  };
  // PATCH and PUT both take a partial body: only the fields sent change.
  app.patch('/api/notes/:id', authed, updateNotesRoute);
  app.put('/api/notes/:id', authed, updateNotesRoute);

  app.delete('/api/notes/:id', authed, async (request, reply) => {
    const { id } = parseWith(idParams, request.params);
    const { permanent } = parseWith(deleteQuery, request.query);
    await notes.remove(actorOf(request), id, {
      permanent: permanent ?? false,
    });
    return reply.code(204).send();
  });

  app.post('/api/notes/:id/restore', authed, async (request) => {
    const { id } = parseWith(idParams, request.params);
    return {
      note: await notes.update(actorOf(request), id, { deleted: false }),
    };
  });

  app.get('/api/notes/:id/versions', authed, async (request) => {
    const { id } = parseWith(idParams, request.params);
    return { versions: await notes.versions(principalOf(request).userId, id) };
  });

  app.post('/api/notes/:id/versions/:version/revert', authed, async (request) => {
    const { id, version } = parseWith(versionParams, request.params);
    return { note: await notes.revert(actorOf(request), id, version) };
  });

  app.post('/api/notes/:id/revert', authed, async (request) => {
    const { id } = parseWith(idParams, request.params);
    const { version } = parseWith(revertBody, request.body);
    return { note: await notes.revert(actorOf(request), id, version) };
  });
}
