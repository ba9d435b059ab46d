import { randomUUID } from 'node:crypto';
import type { SyncEvent } from '@tidings/protocol';
import { runChange } from '../../src/domain/run-change';
import type { TestServer } from './test-server';

/**
 * Commits `count` changes for a user through the real change path (transaction, change log,
 * hub), each a folder_deleted_sync for a random id: the smallest event there is. For suites that
 * test delivery, not the domain.
 */
export async function commitTestChanges(
  server: TestServer,
  userId: string,
  count = 1,
): Promise<SyncEvent[]> {
  const events: SyncEvent[] = [];
  for (let i = 0; i < count; i++) {
    const { events: committed } = await runChange(
      { db: server.store.db, hub: server.app.context.hub },
      { userId },
      async (_tx, emit) => emit({ type: 'folder_deleted_sync', folderId: randomUUID() }),
    );
    events.push(...committed);
  }
  return events;
}
