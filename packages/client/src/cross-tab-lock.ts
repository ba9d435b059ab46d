/**
 * Runs `run` while holding a lock shared by every tab of this origin (Web Locks), else directly.
 *
 * Tabs share the refresh cookie. Two tabs refreshing at once would both present the same refresh
 * token; the second is a reuse and the server revokes the session. Taking turns, the second tab
 * presents the cookie the first one just received, which is valid.
 */
export function withCrossTabLock<T>(name: string, run: () => Promise<T>): Promise<T> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  return locks ? (locks.request(name, run) as Promise<T>) : run();
}
