import type { Note } from '@tidings/protocol';
import { clientError } from '../errors';
import { ConnectionState } from '../realtime/connection-state';
import type { RealtimeClient } from '../realtime/realtime-client';
import { toError } from '../realtime/websocket-transport';
import type { FoldersApi } from '../resources/folders-api';
import type { NotesApi } from '../resources/notes-api';
import type { OutboxSender, SendOutcome } from './outbox';
import type { OutboxEntry } from './outbox-store';

/** How long a WebSocket `note_update` may wait for its answer before it counts as lost. */
const DEFAULT_ANSWER_TIMEOUT_MS = 10_000;

/**
 * Sends queued creates with REST `POST` (the note's own id makes a resend harmless), and queued
 * edits over the live WebSocket when there is one (`note_update` with the entry's
 * `clientMsgId`, so a resend is applied once), else with REST `PATCH` and `baseVersion`. Either
 * way a note changed elsewhere comes back as a conflict holding the server's version.
 */
export function noteSender(
  notes: NotesApi,
  folders: FoldersApi,
  realtime: () => RealtimeClient | null,
  answerTimeoutMs = DEFAULT_ANSWER_TIMEOUT_MS,
): OutboxSender {
  return async (entry) => {
    if (entry.kind === 'create-folder' && entry.folder) {
      const folder = await folders.create({ ...entry.folder, id: entry.noteId });
      return { status: 'folder-created', folder };
    }
    if (entry.kind === 'create') {
      // REST either way: a create with a known id is applied once however often it is sent.
      return {
        status: 'applied',
        note: await notes.create({ ...entry.changes, id: entry.noteId }),
      };
    }
    const live = realtime();
    if (live?.state === ConnectionState.Connected && live.transportInUse === 'websocket') {
      return sendOverWebSocket(live, entry, answerTimeoutMs);
    }
    const result = await notes.updateOrConflict(entry.noteId, entry.changes, entry.baseVersion);
    return result.status === 'applied'
      ? result
      : { status: 'conflict', serverNote: result.current };
  };
}

function sendOverWebSocket(
  realtime: RealtimeClient,
  entry: OutboxEntry,
  timeoutMs: number,
): Promise<SendOutcome> {
  return new Promise<SendOutcome>((resolve, reject) => {
    const cleanups: (() => void)[] = [];
    const settle = (action: () => void) => {
      for (const cleanup of cleanups) cleanup();
      action();
    };
    const timer = setTimeout(() => settle(() => reject(clientError('NETWORK_ERROR'))), timeoutMs);
    cleanups.push(() => clearTimeout(timer));
    cleanups.push(
      realtime.on('message', (message) => {
        if (message.clientMsgId !== entry.clientMsgId) return;
        if (message.type === 'note_update_success') {
          settle(() => resolve({ status: 'applied', note: message.updatedNote as Note }));
        } else if (message.type === 'error') {
          const error = toError(message);
          const current = (error.details as { current?: Note } | undefined)?.current;
          settle(() =>
            error.code === 'VERSION_CONFLICT' && current
              ? resolve({ status: 'conflict', serverNote: current })
              : reject(error),
          );
        }
      }),
    );
    // A connection lost before the answer: unknown outcome, so the entry stays queued and is
    // resent with the same clientMsgId (the server applies it once).
    cleanups.push(
      realtime.on('state', ({ newState }) => {
        if (newState !== ConnectionState.Connected) {
          settle(() => reject(clientError('NETWORK_ERROR')));
        }
      }),
    );
    const sent = realtime.send({
      type: 'note_update',
      noteId: entry.noteId,
      changes: entry.changes,
      baseVersion: entry.baseVersion,
      clientMsgId: entry.clientMsgId,
    });
    if (!sent) settle(() => reject(clientError('NETWORK_ERROR')));
  });
}
