import { tagChangesSchema, tagCreateSchema } from '@tidings/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../app';
import { idParams } from './query-params';
import { actorOf, principalOf, requireUser } from './require-user';
import { parseWith } from './validate';

export function registerTagsRoutes(app: FastifyInstance, context: AppContext): void {
  const tags = context.data.tags;
  const authed = { preHandler: requireUser(context) };

  app.get('/api/tags', authed, async (request) => ({
    tags: await tags.list(principalOf(request).userId),
  }));

  app.post('/api/tags', authed, async (request, reply) => {
    const input = parseWith(tagCreateSchema, request.body);
    const tag = await tags.create(actorOf(request), input);
    return reply.code(201).send({ tag });
  });

  const updateTagsRoute = async (request: FastifyRequest) => {
    const { id } = parseWith(idParams, request.params);
    const changes = parseWith(tagChangesSchema, request.body);
    return { tag: await tags.update(actorOf(request), id, changes) };
  };
  // PATCH and PUT both take a partial body: only the fields sent change.
  app.patch('/api/tags/:id', authed, updateTagsRoute);
  app.put('/api/tags/:id', authed, updateTagsRoute);

  app.delete('/api/tags/:id', authed, async (request, reply) => {
    const { id } = parseWith(idParams, request.params);
    await tags.remove(actorOf(request), id);
    return reply.code(204).send();
  });
}
