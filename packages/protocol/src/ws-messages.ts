import { z } from 'zod';
import type { Folder, Note } from './entities';
import {
  folderChangesSchema,
  folderCreateSchema,
  noteChangesSchema,
  noteCreateSchema,
  recordIdSchema,
} from './entity-schemas';
import type { ErrorCode } from './errors';
import type { SyncEvent } from './sync-events';

/**
 * The WebSocket protocol at `GET /ws`, declared once: runtime schemas for every message a client
 * may send (strict objects: an extra field, `__proto__` or `constructor` is refused), types for
 * every message the server sends, and the close codes. docs/protocol.md documents each of them and
 * a test fails when one is missing there.
 */

// ---------------------------------------------------------------------------------------------
// Client -> server
// ---------------------------------------------------------------------------------------------

const recordId = recordIdSchema;
/** Chosen by the client to match replies; echoed in the success message or the `error`. */
const clientMsgId = z.string().min(1).max(128).optional();

export const authMessageSchema = z.strictObject({
  type: z.literal('auth'),
  token: z.string().min(1).max(8192),
  /** Resume from this seq as part of authentication (see `resume`); only on the first auth. */
  since: z.int().min(0).optional(),
});

export const joinNoteMessageSchema = z.strictObject({
  type: z.literal('join_note'),
  noteId: recordId,
  clientMsgId,
});

export const leaveNoteMessageSchema = z.strictObject({
  type: z.literal('leave_note'),
  noteId: recordId,
  clientMsgId,
});

export const noteUpdateMessageSchema = z.strictObject({
  type: z.literal('note_update'),
  noteId: recordId,
  changes: noteChangesSchema,
  /** The version the edit was based on; a note that moved on gives VERSION_CONFLICT. */
  baseVersion: z.int().min(0).optional(),
  clientMsgId,
});

export const noteCreatedMessageSchema = z.strictObject({
  type: z.literal('note_created'),
  noteData: noteCreateSchema,
  clientMsgId,
});

export const folderCreatedMessageSchema = z.strictObject({
  type: z.literal('folder_created'),
  folderData: folderCreateSchema,
  clientMsgId,
});

export const folderUpdatedMessageSchema = z.strictObject({
  type: z.literal('folder_updated'),
  folderId: recordId,
  changes: folderChangesSchema,
  clientMsgId,
});

export const noteDeletedMessageSchema = z.strictObject({
  type: z.literal('note_deleted'),
  noteId: recordId,
  clientMsgId,
});

export const folderDeletedMessageSchema = z.strictObject({
  type: z.literal('folder_deleted'),
  folderId: recordId,
  clientMsgId,
});

export const pingMessageSchema = z.strictObject({ type: z.literal('ping') });

export const resumeMessageSchema = z.strictObject({
  type: z.literal('resume'),
  /** The last seq the client applied; every change after it is replayed. */
  since: z.int().min(0),
  clientMsgId,
});

export const clientMessageSchema = z.discriminatedUnion('type', [
  authMessageSchema,
  joinNoteMessageSchema,
  leaveNoteMessageSchema,
  noteUpdateMessageSchema,
  noteCreatedMessageSchema,
  folderCreatedMessageSchema,
  folderUpdatedMessageSchema,
  noteDeletedMessageSchema,
  folderDeletedMessageSchema,
  pingMessageSchema,
  resumeMessageSchema,
]);

export type ClientMessage = z.infer<typeof clientMessageSchema>;
export type ClientMessageType = ClientMessage['type'];
export type ClientMessageOf<T extends ClientMessageType> = Extract<ClientMessage, { type: T }>;

export const CLIENT_MESSAGE_TYPES = clientMessageSchema.options.map(
  (option) => option.shape.type.value,
) as readonly ClientMessageType[];

/**
 * A signed message: `signature = base64(HMAC-SHA256(key = sessionSecret,
 * JSON.stringify({payload, timestamp, nonce})))`, the inner `payload` being any client message.
 */
export const signedEnvelopeSchema = z.strictObject({
  payload: z.custom<object>(
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    'payload must be a message object',
  ),
  signature: z.string().min(1).max(256),
  /** Milliseconds since the epoch; outside the window the message is STALE_MESSAGE. */
  timestamp: z.number().finite(),
  nonce: z.string().min(8).max(256),
});

export type SignedEnvelope = z.infer<typeof signedEnvelopeSchema>;

/** True for a value shaped like a signed envelope rather than a plain message. */
export function looksSigned(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'signature' in value;
}

// ---------------------------------------------------------------------------------------------
// Server -> client
// ---------------------------------------------------------------------------------------------

interface Reply {
  /** The `clientMsgId` of the message this answers, when it had one. */
  clientMsgId?: string;
}

/** The answer to a message that changed data. */
interface WriteReply extends Reply {
  /**
   * The change-log seq of the change. Its `*_sync` event is not sent back to the connection that
   * made it; this reply stands in for it. Absent when nothing changed (a retry, a no-op).
   */
  seq?: number;
}

export interface ConnectionEstablishedMessage {
  type: 'connection_established';
  message: string;
}

export interface AuthSuccessMessage {
  type: 'auth_success';
  message: string;
  userId: string;
  /** When the access token expires (ms since the epoch); send a fresh `auth` before then. */
  expiresAt: number;
  /** Random per connection, hex; the HMAC key for signed messages. Never derived from the token. */
  sessionSecret: string;
  /** The user's latest change-log seq when authentication completed. */
  seq: number;
}

export type AuthFailedReason = 'token-expired' | 'auth-failed';

export interface AuthFailedMessage {
  type: 'auth_failed';
  reason: AuthFailedReason;
  /** TOKEN_EXPIRED, TOKEN_INVALID, SESSION_REVOKED or UNAUTHENTICATED. */
  code: ErrorCode;
  message: string;
}

export interface AuthExpiringMessage {
  type: 'auth_expiring';
  expiresAt: number;
}

export interface AuthRefreshedMessage {
  type: 'auth_refreshed';
  expiresAt: number;
}

export interface NoteJoinedMessage extends Reply {
  type: 'note_joined';
  noteId: string;
  message: string;
}

export interface NoteLeftMessage extends Reply {
  type: 'note_left';
  noteId: string;
}

export interface NoteUpdateSuccessMessage extends WriteReply {
  type: 'note_update_success';
  noteId: string;
  updatedNote: Note;
  timestamp: number;
}

export interface NoteCreatedSuccessMessage extends WriteReply {
  type: 'note_created_success';
  noteData: Note;
  timestamp: number;
}

export interface NoteDeletedSuccessMessage extends WriteReply {
  type: 'note_deleted_success';
  noteId: string;
  timestamp: number;
}

export interface FolderCreatedSuccessMessage extends WriteReply {
  type: 'folder_created_success';
  folderData: Folder;
  timestamp: number;
}

export interface FolderUpdatedSuccessMessage extends WriteReply {
  type: 'folder_updated_success';
  folderId: string;
  updatedFolder: Folder;
  timestamp: number;
}

export interface FolderDeletedSuccessMessage extends WriteReply {
  type: 'folder_deleted_success';
  folderId: string;
  timestamp: number;
}

export interface ResumedMessage extends Reply {
  type: 'resumed';
  /** Everything up to this seq has been sent; live events follow. */
  seq: number;
}

export interface ResyncRequiredMessage extends Reply {
  type: 'resync_required';
  /** The latest seq: reload through REST, then apply events after it. */
  seq: number;
}

export interface PongMessage {
  type: 'pong';
  timestamp: number;
}

export interface ErrorMessage extends Reply {
  type: 'error';
  code: ErrorCode;
  /** What went wrong and what to fix. */
  message: string;
  details?: unknown;
}

export type ServerMessage =
  | ConnectionEstablishedMessage
  | AuthSuccessMessage
  | AuthFailedMessage
  | AuthExpiringMessage
  | AuthRefreshedMessage
  | NoteJoinedMessage
  | NoteLeftMessage
  | NoteUpdateSuccessMessage
  | NoteCreatedSuccessMessage
  | NoteDeletedSuccessMessage
  | FolderCreatedSuccessMessage
  | FolderUpdatedSuccessMessage
  | FolderDeletedSuccessMessage
  | SyncEvent
  | ResumedMessage
  | ResyncRequiredMessage
  | PongMessage
  | ErrorMessage;

export type ServerMessageType = ServerMessage['type'];

const serverMessageTypes = {
  connection_established: true,
  auth_success: true,
  auth_failed: true,
  auth_expiring: true,
  auth_refreshed: true,
  note_joined: true,
  note_left: true,
  note_update_success: true,
  note_created_success: true,
  note_deleted_success: true,
  folder_created_success: true,
  folder_updated_success: true,
  folder_deleted_success: true,
  note_sync: true,
  note_created_sync: true,
  note_deleted_sync: true,
  folder_created_sync: true,
  folder_updated_sync: true,
  folder_deleted_sync: true,
  resumed: true,
  resync_required: true,
  pong: true,
  error: true,
} satisfies Record<ServerMessageType, true>;

/** Every server message type (the object above makes the compiler check the list is complete). */
export const SERVER_MESSAGE_TYPES = Object.keys(serverMessageTypes) as ServerMessageType[];

// ---------------------------------------------------------------------------------------------
// Close codes
// ---------------------------------------------------------------------------------------------

/** Every way the server closes a connection: the code and the reason text a client can act on. */
export const WS_CLOSE = {
  /** No valid `auth` within WS_AUTH_TIMEOUT_MS. */
  AUTH_TIMEOUT: { code: 1008, reason: 'auth-timeout' },
  /** Invalid credentials, or a re-auth with another user's token. */
  AUTH_FAILED: { code: 1008, reason: 'auth-failed' },
  /** The access token expired (at connect, at re-auth, or under the open socket). */
  TOKEN_EXPIRED: { code: 1008, reason: 'token-expired' },
  /** Logout or a revoked refresh family: sign in again. */
  SESSION_REVOKED: { code: 1008, reason: 'session-revoked' },
  /** Kept flooding past the message rate limit. */
  RATE_LIMITED: { code: 1008, reason: 'rate-limited' },
  /** The user already has WS_MAX_CONNECTIONS_PER_USER connections. */
  TOO_MANY_CONNECTIONS: { code: 1008, reason: 'too-many-connections' },
  /** A message larger than WS_MAX_MESSAGE_BYTES; the frame parser closes without reason text. */
  MESSAGE_TOO_LARGE: { code: 1009, reason: '' },
  /** The server is restarting: reconnect with backoff. */
  SERVER_SHUTDOWN: { code: 1001, reason: 'server-shutdown' },
  /** The server could not read the change log for this connection: reconnect and resume. */
  INTERNAL_ERROR: { code: 1011, reason: 'internal-error' },
  /** More than WS_MAX_BUFFERED_BYTES queued for a client that stopped reading: resume later. */
  SLOW_CONSUMER: { code: 4000, reason: 'slow-consumer' },
} as const satisfies Record<string, { code: number; reason: string }>;

export type WsCloseName = keyof typeof WS_CLOSE;

/** The exact `auth_failed` text for an expired token (clients and docs match on it). */
export const TOKEN_EXPIRED_MESSAGE =
  'Authentication token has expired. Please refresh your token and reconnect.';
