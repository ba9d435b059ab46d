import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app';
import { registerFoldersRoutes } from './folders-routes';
import { registerNotesRoutes } from './notes-routes';
import { registerTagsRoutes } from './tags-routes';

/** The REST API over the user's data: notes (with versions), folders and tags. */
export function registerDataRoutes(app: FastifyInstance, context: AppContext): void {
  registerNotesRoutes(app, context);
  registerFoldersRoutes(app, context);
  registerTagsRoutes(app, context);
}
