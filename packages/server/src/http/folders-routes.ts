import { folderChangesSchema, folderCreateSchema } from '@tidings/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../app';
import { idParams } from './query-params';
import { actorOf, principalOf, requireUser } from './require-user';
import { parseWith } from './validate';

export function registerFoldersRoutes(app: FastifyInstance, context: AppContext): void {
  const folders = context.data.folders;
  const authed = { preHandler: requireUser(context) };

  app.get('/api/folders', authed, async (request) => ({
    folders: await folders.list(principalOf(request).userId),
  }));

  app.post('/api/folders', authed, async (request, reply) => {
    const input = parseWith(folderCreateSchema, request.body);
    const folder = await folders.create(actorOf(request), input);
    return reply.code(201).send({ folder });
  });

  const updateFoldersRoute = async (request: FastifyRequest) => {
    const { id } = parseWith(idParams, request.params);
    const changes = parseWith(folderChangesSchema, request.body);
    return { folder: await folders.update(actorOf(request), id, changes) };
  };
  // PATCH and PUT both take a partial body: only the fields sent change.
  app.patch('/api/folders/:id', authed, updateFoldersRoute);
  app.put('/api/folders/:id', authed, updateFoldersRoute);

  app.delete('/api/folders/:id', authed, async (request, reply) => {
    const { id } = parseWith(idParams, request.params);
    await folders.remove(actorOf(request), id);
    return reply.code(204).send();
  });
}
