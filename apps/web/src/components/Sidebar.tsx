import { type FormEvent, useState } from 'react';
import type { View } from '../note-filter';
import type { WorkspaceSnapshot, WorkspaceStore } from '../state/workspace-store';
import { FolderTree } from './FolderTree';
import { TagList } from './TagList';

interface Props {
  store: WorkspaceStore;
  state: WorkspaceSnapshot;
}

const FILTERS: { view: View; label: string }[] = [
  { view: { kind: 'all' }, label: 'All notes' },
  { view: { kind: 'starred' }, label: 'Starred' },
  { view: { kind: 'archived' }, label: 'Archived' },
  { view: { kind: 'trash' }, label: 'Trash' },
];

export function Sidebar({ store, state }: Props) {
  const [newFolder, setNewFolder] = useState('');

  function addFolder(event: FormEvent) {
    event.preventDefault();
    const name = newFolder.trim();
    if (!name) return;
    setNewFolder('');
    void store.createFolder(name, null);
  }

  return (
    <nav className="sidebar" aria-label="Folders and filters">
      <ul className="filters">
        {FILTERS.map(({ view, label }) => (
          <li key={label}>
            <button
              type="button"
              className="nav-item"
              aria-current={state.view.kind === view.kind ? 'page' : undefined}
              onClick={() => store.setView(view)}
            >
              {label}
            </button>
          </li>
        ))}
      </ul>

      <h2 className="sidebar-heading">Folders</h2>
      <FolderTree store={store} state={state} />
      <form className="inline-form" onSubmit={addFolder}>
        <label className="visually-hidden" htmlFor="new-folder">
          New folder name
        </label>
        <input
          id="new-folder"
          placeholder="New folder"
          value={newFolder}
          onChange={(e) => setNewFolder(e.target.value)}
        />
        <button type="submit">Add folder</button>
      </form>

      <h2 className="sidebar-heading">Tags</h2>
      <TagList store={store} state={state} />
    </nav>
  );
}
