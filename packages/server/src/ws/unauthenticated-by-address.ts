/**
 * Sockets that have not authenticated yet, counted per client address. Authenticating costs a
 * client one message and the server a token check, so an address that holds many open sockets
 * without ever authenticating is filling the server's connection slots (each waits up to
 * WS_AUTH_TIMEOUT_MS): past the cap its next upgrades are refused. Authenticated connections
 * have their own limit per user; a crowd behind one NAT authenticates within moments, so the
 * cap only meets sockets that linger unauthenticated.
 */
export class UnauthenticatedByAddress {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max: number) {}

  /**
   * Counts a socket for `address`: the function that stops counting it (on authentication or
   * close, called any number of times), or undefined when the address is at the cap.
   */
  take(address: string): (() => void) | undefined {
    const count = this.counts.get(address) ?? 0;
    if (count >= this.max) return undefined;
    this.counts.set(address, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(address) ?? 1) - 1;
      if (left === 0) this.counts.delete(address);
      else this.counts.set(address, left);
    };
  }
}
