import { ConnectionState } from '@tidings/client';
import type { Note } from '@tidings/protocol';
import { useState } from 'react';
import type { WorkspaceSnapshot, WorkspaceStore } from '../state/workspace-store';
import { VersionHistory } from './VersionHistory';

interface Props {
  store: WorkspaceStore;
  note: Note;
  state: WorkspaceSnapshot;
}

/** Title and content that save as you type, and the note's actions. */
export function NoteEditor({ store, note, state }: Props) {
  const [showHistory, setShowHistory] = useState(false);
  const [tagText, setTagText] = useState(note.tags.join(', '));
  const [tagsFocused, setTagsFocused] = useState(false);
  const shownTags = tagsFocused ? tagText : note.tags.join(', ');

  function commitTags() {
    setTagsFocused(false);
    const tags = [
      ...new Set(
        tagText
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      ),
    ].sort();
    if (tags.join('\n') !== note.tags.join('\n')) store.change(note.id, { tags });
  }

  const inTrash = note.deleted;
  return (
    <article className="note-editor" aria-label="Note">
      <div className="editor-toolbar" role="toolbar" aria-label="Note actions">
        <button type="button" className="back" onClick={() => store.select(null)}>
          ← Notes
        </button>
        {inTrash ? (
          <>
            <button type="button" onClick={() => store.restore(note.id)}>
              Restore
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => {
                if (window.confirm('Delete this note forever? This cannot be undone.')) {
                  void store.deleteForever(note.id);
                }
              }}
            >
              Delete forever
            </button>
          </>
        ) : (
          <>
            <button
              type="button"
              aria-pressed={note.starred}
              onClick={() => store.change(note.id, { starred: !note.starred })}
            >
              {note.starred ? '★ Starred' : '☆ Star'}
            </button>
            <button
              type="button"
              aria-pressed={note.archived}
              onClick={() => store.change(note.id, { archived: !note.archived })}
            >
              {note.archived ? 'Unarchive' : 'Archive'}
            </button>
            <button
              type="button"
              aria-expanded={showHistory}
              // A note not on the server yet has no history there.
              disabled={state.pendingNoteIds.has(note.id)}
              onClick={() => setShowHistory(!showHistory)}
            >
              History
            </button>
            <button type="button" className="danger" onClick={() => store.trash(note.id)}>
              Move to trash
            </button>
          </>
        )}
      </div>
      {inTrash && <p className="notice">This note is in the trash. Restore it to edit.</p>}
      <div className="note-meta">
        {/* A select inside its label would take its options' text into its name. */}
        <div className="field">
          <label htmlFor={`folder-of-${note.id}`}>Folder</label>
          <select
            id={`folder-of-${note.id}`}
            value={note.folderId ?? ''}
            disabled={inTrash}
            onChange={(e) => store.change(note.id, { folderId: e.target.value || null })}
          >
            <option value="">No folder</option>
            {state.folders.map((folder) => (
              <option key={folder.id} value={folder.id}>
                {folder.name}
              </option>
            ))}
          </select>
        </div>
        <label>
          Tags
          <input
            value={shownTags}
            disabled={inTrash}
            placeholder="work, ideas"
            onFocus={() => {
              setTagText(note.tags.join(', '));
              setTagsFocused(true);
            }}
            onChange={(e) => setTagText(e.target.value)}
            onBlur={commitTags}
            onKeyDown={(e) => {
              if (e.key === 'Enter') e.currentTarget.blur();
            }}
          />
        </label>
      </div>
      <label className="title-field">
        <span className="visually-hidden">Title</span>
        <input
          className="title-input"
          placeholder="Title"
          // A new, empty note: start typing its title right away.
          autoFocus={note.title === '' && !note.content}
          value={note.title}
          readOnly={inTrash}
          onChange={(e) => store.edit(note.id, { title: e.target.value })}
          onBlur={() => store.flushEdits(note.id)}
        />
      </label>
      <label className="content-field">
        <span className="visually-hidden">Content</span>
        <textarea
          className="content-input"
          placeholder="Start writing…"
          value={note.content ?? ''}
          readOnly={inTrash}
          onChange={(e) => store.edit(note.id, { content: e.target.value })}
          onBlur={() => store.flushEdits(note.id)}
        />
      </label>
      <p className="save-state" aria-live="polite">
        {state.unsaved === 0
          ? `Saved · version ${note.version}`
          : state.connection === ConnectionState.Offline
            ? 'Offline: kept on this device, saved when you are back online'
            : state.connection === ConnectionState.Reconnecting
              ? 'Waiting for the server: kept on this device, saved once it answers'
              : 'Saving…'}
      </p>
      {showHistory && (
        <VersionHistory
          noteId={note.id}
          currentVersion={note.version}
          store={store}
          onClose={() => setShowHistory(false)}
        />
      )}
    </article>
  );
}
