import type { Folder, FolderChanges } from '@tidings/protocol';
import type { AuthedHttp } from '../authed-http';

/** A new folder; give it an `id` (a UUID) so a retried create applies once. */
export interface FolderCreate {
  name: string;
  parentId?: string | null;
  sortOrder?: number;
  id?: string;
}

/** `/api/folders`. Folders nest through `parentId`. */
export class FoldersApi {
  constructor(private readonly api: AuthedHttp) {}

  async list(): Promise<Folder[]> {
    const body = await this.api.request<{ folders: Folder[] }>({
      method: 'GET',
      path: '/api/folders',
    });
    return body.folders;
  }

  async create(input: FolderCreate): Promise<Folder> {
    const body = await this.api.request<{ folder: Folder }>({
      method: 'POST',
      path: '/api/folders',
      body: input,
    });
    return body.folder;
  }

  /** Rename (`name`), move (`parentId`, null for the top level) or reorder (`sortOrder`). */
  async update(id: string, changes: FolderChanges): Promise<Folder> {
    const body = await this.api.request<{ folder: Folder }>({
      method: 'PATCH',
      path: folderPath(id),
      body: changes,
    });
    return body.folder;
  }

  /** Removes the folder and its subfolders; their notes stay, moved to the top level. */
  async delete(id: string): Promise<void> {
    await this.api.request<void>({ method: 'DELETE', path: folderPath(id) });
  }
}

function folderPath(id: string): string {
  return `/api/folders/${encodeURIComponent(id)}`;
}
