/** Server-Sent Events framing. Data is JSON on one line, so no field can break the frame. */
export function sseEvent(event: string, data: unknown, id?: number): string {
  const idLine = id === undefined ? '' : `id: ${id}\n`;
  return `${idLine}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Sent first on every stream: how long EventSource waits before reconnecting after a cut. One
 * second keeps a blip short without hammering a server that is restarting.
 */
export const SSE_RETRY = 'retry: 1000\n\n';

/** A comment line: ignored by EventSource, keeps proxies from closing an idle stream. */
export const SSE_KEEPALIVE = ': keep-alive\n\n';

/** Parses a Last-Event-ID; undefined when absent, null when present but not a seq. */
export function parseLastEventId(value: string | undefined): number | null | undefined {
  if (value === undefined || value === '') return undefined;
  return /^\d{1,15}$/.test(value) ? Number(value) : null;
}
