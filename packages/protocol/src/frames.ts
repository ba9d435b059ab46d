import type { ServerMessage } from './ws-messages';

/**
 * Batched frames (docs/protocol.md, "Batched frames"). A client that opens `/ws?batch=1` accepts
 * frames that hold several server messages as one JSON array, to be processed in array order:
 * the server then writes what is due to the connection in one tick as one frame instead of one
 * frame per message. Without the opt-in every frame is one message object.
 */

/** The upgrade query parameter and the one value that turns batched frames on. */
export const BATCH_QUERY_PARAM = 'batch';
export const BATCH_QUERY_ON = '1';

/** What one server frame holds once parsed: a message, or (opted in) two or more of them. */
export type ServerFrame = ServerMessage | ServerMessage[];

/**
 * `?batch=` of the upgrade URL: false when absent, true for `1`, null for anything else (the
 * upgrade is then refused, so a typo does not silently change how frames look).
 */
export function parseBatchParam(value: string | null): boolean | null {
  if (value === null) return false;
  return value === BATCH_QUERY_ON ? true : null;
}

/**
 * One frame out of messages already serialised, without parsing them again: the message itself
 * when there is one, else a JSON array of them in order.
 */
export function encodeFrame(serialised: readonly string[]): string {
  return serialised.length === 1 ? serialised[0]! : `[${serialised.join(',')}]`;
}

/**
 * The messages of a parsed frame, in the order to process them: the elements of an array, else
 * the value itself. Each is still unchecked JSON: validate it as you would a single frame.
 */
export function messagesOfFrame(frame: unknown): unknown[] {
  return Array.isArray(frame) ? frame : [frame];
}
