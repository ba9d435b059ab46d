/** Whether the platform believes it has a network, and when that changes. */
export interface OnlineSignal {
  isOnline(): boolean;
  /** Calls `onChange` on every change; returns the unsubscribe function. */
  subscribe(onChange: (online: boolean) => void): () => void;
}

interface BrowserLike {
  navigator?: { onLine?: boolean };
  addEventListener?: (type: string, listener: () => void) => void;
  removeEventListener?: (type: string, listener: () => void) => void;
}

/**
 * The browser's `navigator.onLine` and `online`/`offline` events; elsewhere always online (Node
 * has no such signal: failed attempts simply back off).
 */
export function platformOnlineSignal(): OnlineSignal {
  const scope = globalThis as BrowserLike;
  return {
    isOnline: () => scope.navigator?.onLine !== false,
    subscribe(onChange) {
      if (!scope.addEventListener || !scope.removeEventListener) return () => undefined;
      const online = () => onChange(true);
      const offline = () => onChange(false);
      scope.addEventListener('online', online);
      scope.addEventListener('offline', offline);
      return () => {
        scope.removeEventListener?.('online', online);
        scope.removeEventListener?.('offline', offline);
      };
    },
  };
}

/** A hand-driven signal, for tests and for apps that know better than the platform. */
export function manualOnlineSignal(initial = true): OnlineSignal & { set(online: boolean): void } {
  let online = initial;
  const listeners = new Set<(online: boolean) => void>();
  return {
    isOnline: () => online,
    subscribe(onChange) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
    set(next) {
      if (next === online) return;
      online = next;
      for (const listener of [...listeners]) listener(next);
    },
  };
}
