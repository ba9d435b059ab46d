import { useEffect, useState } from 'react';
import { viewTitle } from '../note-filter';
import type { WorkspaceSnapshot, WorkspaceStore } from '../state/workspace-store';

interface Props {
  store: WorkspaceStore;
  state: WorkspaceSnapshot;
  folderName: string | undefined;
}

/** Search, a new-note button and the notes of the current view. */
export function NoteList({ store, state, folderName }: Props) {
  const [search, setSearch] = useState(state.search);

  // Search as the user types, but not on every keystroke.
  useEffect(() => {
    if (search === state.search) return;
    const timer = setTimeout(() => store.setSearch(search), 250);
    return () => clearTimeout(timer);
  }, [search, state.search, store]);

  const title = viewTitle(state.view, folderName);
  return (
    <section className="note-list" aria-labelledby="list-heading">
      <div className="list-header">
        <h2 id="list-heading">{title}</h2>
        {state.view.kind !== 'trash' && (
          <button type="button" className="primary" onClick={() => store.createNote()}>
            New note
          </button>
        )}
      </div>
      <label className="search">
        <span className="visually-hidden">Search notes</span>
        <input
          type="search"
          placeholder="Search notes"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
      </label>
      {state.notes.length === 0 ? (
        <p className="empty">{state.loading ? 'Loading…' : 'No notes here.'}</p>
      ) : (
        <ul className="notes" aria-label={`Notes in ${title}`}>
          {state.notes.map((note) => (
            <li key={note.id}>
              <button
                type="button"
                className="note-item"
                aria-current={state.selected?.id === note.id ? 'true' : undefined}
                onClick={() => store.select(note.id)}
              >
                <span className="note-title">
                  {note.starred && <span aria-label="Starred">★ </span>}
                  {note.title || 'Untitled'}
                </span>
                <span className="note-snippet">
                  {(note.content ?? '').slice(0, 80) || 'No content'}
                </span>
                {state.pendingNoteIds.has(note.id) && (
                  <span className="note-pending">Not saved to the server yet</span>
                )}
                {note.tags.length > 0 && (
                  <span className="note-tags">{note.tags.map((t) => `#${t}`).join(' ')}</span>
                )}
              </button>
            </li>
          ))}
        </ul>
      )}
      {state.hasMore && (
        <button type="button" className="load-more" onClick={() => void store.loadMore()}>
          Load more notes
        </button>
      )}
    </section>
  );
}
