import type { OutboxEntry, OutboxStore } from './outbox-store';

const STORE = 'outbox';

/**
 * The outbox in IndexedDB, one database per user (a shared browser never replays one user's
 * edits into another's account). Survives reloads and browser restarts.
 */
export function indexedDbOutboxStore(userId: string, factory?: IDBFactory): OutboxStore {
  const idb = factory ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb) throw new TypeError('IndexedDB is not available here; use memoryOutboxStore().');
  const opened = openDatabase(idb, `tidings-outbox-${userId}`);

  async function run<T>(
    mode: IDBTransactionMode,
    operation: (store: IDBObjectStore) => IDBRequest<T>,
  ): Promise<T> {
    const db = await opened;
    return new Promise<T>((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = operation(transaction.objectStore(STORE));
      // Resolve on commit, not on the request: a write is durable only then.
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  }

  return {
    async load() {
      const entries = await run('readonly', (store) => store.getAll() as IDBRequest<OutboxEntry[]>);
      return entries.sort((a, b) => a.order - b.order);
    },
    async put(entry) {
      await run('readwrite', (store) => store.put(entry));
    },
    async remove(clientMsgId) {
      await run('readwrite', (store) => store.delete(clientMsgId));
    },
    async clear() {
      await run('readwrite', (store) => store.clear());
    },
  };
}

function openDatabase(idb: IDBFactory, name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = idb.open(name, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(STORE, { keyPath: 'clientMsgId' });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}
