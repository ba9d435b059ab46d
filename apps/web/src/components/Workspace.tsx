import { ConnectionState } from '@tidings/client';
import type { PublicUser } from '@tidings/protocol';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { client, realtime } from '../sdk';
import { WorkspaceStore } from '../state/workspace-store';
import { ConflictDialog } from './ConflictDialog';
import { ConnectionIndicator } from './ConnectionIndicator';
import { NoteEditor } from './NoteEditor';
import { NoteList } from './NoteList';
import { Sidebar } from './Sidebar';

export function Workspace({ user }: { user: PublicUser }) {
  const [store] = useState(() => new WorkspaceStore(client, realtime, user.id));
  const state = useSyncExternalStore(store.subscribe, store.getSnapshot);

  useEffect(() => {
    store.start();
    return () => store.stop();
  }, [store]);

  async function logOut() {
    if (state.unsaved > 0 && !window.confirm('Some changes are not saved yet. Log out anyway?')) {
      return;
    }
    try {
      await store.outbox.clear();
      await client.logout();
    } catch (error) {
      store.report(error);
    }
  }

  const folderName =
    state.view.kind === 'folder'
      ? state.folders.find((folder) => folder.id === (state.view as { folderId: string }).folderId)
          ?.name
      : undefined;

  return (
    <div className={state.selected ? 'workspace has-selection' : 'workspace'}>
      <header className="topbar">
        <h1 className="brand">Tidings</h1>
        <ConnectionIndicator
          state={state.connection}
          transport={state.transport}
          lastSyncAt={state.lastSyncAt}
          unsaved={state.unsaved}
        />
        <div className="account">
          <span className="who">{user.name ?? user.email}</span>
          <button type="button" onClick={() => void logOut()}>
            Log out
          </button>
        </div>
      </header>
      {!state.problem &&
        state.lastSyncAt === null &&
        (state.connection === ConnectionState.Reconnecting ||
          state.connection === ConnectionState.Offline) && (
          <div className="offline-banner" role="status">
            Can’t reach the server. Showing what this device keeps; retrying…
          </div>
        )}
      {state.problem && (
        <div className="problem-banner" role="alert">
          <span>{state.problem}</span>
          <button type="button" onClick={() => store.dismissProblem()}>
            Dismiss
          </button>
        </div>
      )}
      <Sidebar store={store} state={state} />
      <NoteList store={store} state={state} folderName={folderName} />
      <main className="editor-pane" aria-label="Editor">
        {state.selected ? (
          <NoteEditor key={state.selected.id} store={store} note={state.selected} state={state} />
        ) : (
          <p className="empty">Select a note, or create one.</p>
        )}
      </main>
      {state.conflict && (
        <ConflictDialog
          conflict={state.conflict}
          onKeepMine={() => store.resolveConflict('mine')}
          onKeepTheirs={() => store.resolveConflict('theirs')}
        />
      )}
    </div>
  );
}
