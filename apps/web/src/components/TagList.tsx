import type { Tag } from '@tidings/protocol';
import { type FormEvent, useState } from 'react';
import type { WorkspaceSnapshot, WorkspaceStore } from '../state/workspace-store';
import { NavRow } from './NavRow';

interface Props {
  store: WorkspaceStore;
  state: WorkspaceSnapshot;
}

/** The user's tags: each opens its notes, and can be renamed or deleted. */
export function TagList({ store, state }: Props) {
  if (state.tags.length === 0) return <p className="hint">Tags you add to notes appear here.</p>;
  return (
    <ul className="tags">
      {state.tags.map((tag) => (
        <TagItem key={tag.id} tag={tag} store={store} state={state} />
      ))}
    </ul>
  );
}

function TagItem({ tag, store, state }: { tag: Tag } & Props) {
  const [mode, setMode] = useState<'idle' | 'menu' | 'rename'>('idle');
  const [text, setText] = useState(tag.name);
  const active = state.view.kind === 'tag' && state.view.tag === tag.name;

  function rename(event: FormEvent) {
    event.preventDefault();
    const name = text.trim();
    if (name && name !== tag.name) void store.renameTag(tag, name);
    setMode('idle');
  }

  function remove() {
    if (window.confirm(`Delete the tag "${tag.name}"? Its notes stay, without this tag.`)) {
      void store.deleteTag(tag);
    }
    setMode('idle');
  }

  return (
    <li>
      <NavRow
        what={`tag ${tag.name}`}
        className="tag"
        active={active}
        menuOpen={mode !== 'idle'}
        onOpen={() => store.setView({ kind: 'tag', tag: tag.name })}
        onToggleMenu={() => setMode(mode === 'idle' ? 'menu' : 'idle')}
      >
        #{tag.name}
      </NavRow>
      {mode === 'menu' && (
        <div className="folder-actions">
          <button
            type="button"
            onClick={() => {
              setText(tag.name);
              setMode('rename');
            }}
          >
            Rename
          </button>
          <button type="button" className="danger" onClick={remove}>
            Delete
          </button>
        </div>
      )}
      {mode === 'rename' && (
        <form className="inline-form" onSubmit={rename}>
          <label>
            New name for #{tag.name}
            <input value={text} onChange={(e) => setText(e.target.value)} autoFocus />
          </label>
          <button type="submit">Rename</button>
          <button type="button" onClick={() => setMode('idle')}>
            Cancel
          </button>
        </form>
      )}
    </li>
  );
}
