/**
 * Wraps an async function so that calls made while one is in flight share its promise: ten
 * requests that all find their token expired cause one refresh, not ten (a second refresh would
 * present an already-rotated token and revoke the session).
 */
export function singleFlight<T>(run: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  return function sharedRun(): Promise<T> {
    if (!inFlight) {
      inFlight = run().finally(() => {
        inFlight = null;
      });
    }
    return inFlight;
  };
}
