import { folderChangesSchema, folderCreateSchema } from '@tidings/protocol';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app';
import { idParams } from './query-params';
import { principalOf, requireUser } from './require-user';
import { parseWith } from './validate';

export function registerFoldersRoutes(app: FastifyInstance, context: AppContext): void {
  const folders = context.data.folders;
  const authed = { preHandler: requireUser(context) };

  app.get('/api/folders', authed, async (request) => ({
    folders: await folders.list(principalOf(request).userId),
  }));

  app.post('/api/folders', authed, async (request, reply) => {
    const input = parseWith(folderCreateSchema, request.body);
    const folder = await folders.create({ userId: principalOf(request).userId }, input);
    return reply.code(201).send({ folder });
  });

  app.patch('/api/folders/:id', authed, async (request) => {
    const { id } = parseWith(idParams, request.params);
    const changes = parseWith(folderChangesSchema, request.body);
    return { folder: await folders.update({ userId: principalOf(request).userId }, id, changes) };
  });

  app.delete('/api/folders/:id', authed, async (request, reply) => {
    const { id } = parseWith(idParams, request.params);
    await folders.remove({ userId: principalOf(request).userId }, id);
    return reply.code(204).send();
  });
}
