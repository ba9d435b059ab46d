import type { Tag } from '@tidings/protocol';
import type { AuthedHttp } from '../authed-http';

export interface TagCreate {
  name: string;
  /** `#rrggbb`, or null for none. */
  color?: string | null;
}

export type TagChanges = Partial<TagCreate>;

/** `/api/tags`. Writing `tags` on a note creates missing tags too. */
export class TagsApi {
  constructor(private readonly api: AuthedHttp) {}

  async list(): Promise<Tag[]> {
    const body = await this.api.request<{ tags: Tag[] }>({ method: 'GET', path: '/api/tags' });
    return body.tags;
  }

  async create(input: TagCreate): Promise<Tag> {
    const body = await this.api.request<{ tag: Tag }>({
      method: 'POST',
      path: '/api/tags',
      body: input,
    });
    return body.tag;
  }

  async update(id: string, changes: TagChanges): Promise<Tag> {
    const body = await this.api.request<{ tag: Tag }>({
      method: 'PATCH',
      path: tagPath(id),
      body: changes,
    });
    return body.tag;
  }

  async delete(id: string): Promise<void> {
    await this.api.request<void>({ method: 'DELETE', path: tagPath(id) });
  }
}

function tagPath(id: string): string {
  return `/api/tags/${encodeURIComponent(id)}`;
}
