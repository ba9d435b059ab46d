/** @tidings/client: the typed SDK for Tidings, in browsers and Node. */
export { createTidingsClient, TidingsClient, type RealtimeClientOptions } from './tidings-client';
export type { TidingsClientOptions } from './client';
export type { AuthState, AuthStatus, LoginInput, RegisterInput } from './auth-types';
export { memorySessionStore, type SessionStore, type StoredSession } from './session-store';
export { localStorageSessionStore, signedInMarkerStore } from './local-storage-session-store';
export type { CredentialsMode, FetchLike } from './http-transport';
export {
  CLIENT_ERROR_CODES,
  type ClientErrorCode,
  isTidingsError,
  TidingsError,
  type TidingsErrorCode,
} from './errors';
export { backoff, type BackoffOptions, DEFAULT_BACKOFF } from './backoff';
export type { NoteCreate, NoteListQuery, NotePage, NoteUpdateResult } from './resources/notes-api';
export { conflictCurrent } from './resources/notes-api';
export type { FolderCreate } from './resources/folders-api';
export type { TagChanges, TagCreate } from './resources/tags-api';
export {
  RealtimeClient,
  type RealtimeEvents,
  type RealtimeOptions,
} from './realtime/realtime-client';
export { ConnectionState, DisconnectReason, type StateChange } from './realtime/connection-state';
export { manualOnlineSignal, type OnlineSignal } from './realtime/online-signal';
export type { ServerMessage, TransportKind } from './realtime/transport';
export type { WebSocketConstructor, WebSocketLike } from './realtime/websocket-transport';
export { signMessage, type SignedEnvelope } from './realtime/message-signing';
export { Outbox, type Conflict, type OutboxEvents, type SendOutcome } from './offline/outbox';
export {
  memoryOutboxStore,
  type OutboxAction,
  type OutboxEntry,
  type OutboxStore,
  type QueuedFolder,
} from './offline/outbox-store';
export { indexedDbOutboxStore } from './offline/indexeddb-outbox-store';
