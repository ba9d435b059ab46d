import { CLIENT_MESSAGE_TYPES, type ClientMessage, clientMessageSchema } from '@tidings/protocol';
import { AppError } from '../errors';
import { parseWith } from '../http/validate';

/**
 * Validates a decoded message against the protocol's strict schemas. An unknown `type` is
 * UNKNOWN_MESSAGE_TYPE; wrong field types, missing or extra fields (including `__proto__` and
 * `constructor`) are VALIDATION_FAILED with the path of each problem. Nothing invalid is acted on.
 */
export function parseClientMessage(value: unknown): ClientMessage {
  const type = isObject(value) ? value.type : undefined;
  if (typeof type !== 'string' || !(CLIENT_MESSAGE_TYPES as readonly string[]).includes(type)) {
    throw new AppError(
      'UNKNOWN_MESSAGE_TYPE',
      `The message needs a "type", one of: ${CLIENT_MESSAGE_TYPES.join(', ')}.`,
    );
  }
  return parseWith(clientMessageSchema, value);
}

/** The clientMsgId of a message not yet validated, so even its error reply can carry it. */
export function readClientMsgId(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const inner = isObject(value.payload) ? value.payload : value;
  const id = Object.hasOwn(inner, 'clientMsgId') ? inner.clientMsgId : undefined;
  return typeof id === 'string' && id.length > 0 && id.length <= 128 ? id : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
