import { createFoldersService } from './folders-service';
import { createNotesService, type NotesDeps } from './notes-service';
import type { DataServices } from './services';
import { createTagsService } from './tags-service';

export function createDataServices(deps: NotesDeps): DataServices {
  return {
    notes: createNotesService(deps),
    folders: createFoldersService(deps),
    tags: createTagsService(deps),
  };
}
