/**
 * The body every target carries unchanged from publisher to subscribers:
 * `room|seq|sentAtMs|phase|padding`. A plain string, so raw ws forwards it without parsing,
 * Socket.IO emits it as one argument and Tidings stores it as the note's content.
 */
export interface Payload {
  room: number;
  seq: number;
  /** nowMs() at the publisher. */
  sentAt: number;
  /** The measurement it belongs to; 0 for warm-up messages, which are never counted. */
  phase: number;
}

export const WARMUP_PHASE = 0;

export function encodePayload(payload: Payload, padding: string): string {
  return `${payload.room}|${payload.seq}|${payload.sentAt}|${payload.phase}|${padding}`;
}

/** Null for anything that is not a bench payload. */
export function decodePayload(body: string): Payload | null {
  const parts = body.split('|', 4);
  if (parts.length < 4) return null;
  const payload = {
    room: Number(parts[0]),
    seq: Number(parts[1]),
    sentAt: Number(parts[2]),
    phase: Number(parts[3]),
  };
  return Object.values(payload).every(Number.isFinite) ? payload : null;
}
