import type { Folder } from '@tidings/protocol';
import { type FormEvent, useState } from 'react';
import type { WorkspaceSnapshot, WorkspaceStore } from '../state/workspace-store';
import { NavRow } from './NavRow';

interface Props {
  store: WorkspaceStore;
  state: WorkspaceSnapshot;
}

/** Folders nested by parentId; each can be opened, renamed, moved, given a subfolder, deleted. */
export function FolderTree({ store, state }: Props) {
  const roots = state.folders.filter(
    (folder) => !folder.parentId || !state.folders.some((f) => f.id === folder.parentId),
  );
  if (roots.length === 0) return <p className="hint">No folders yet.</p>;
  return (
    <ul className="folder-tree">
      {roots.map((folder) => (
        <FolderItem key={folder.id} folder={folder} store={store} state={state} />
      ))}
    </ul>
  );
}

function FolderItem({ folder, store, state }: { folder: Folder } & Props) {
  const [mode, setMode] = useState<'idle' | 'menu' | 'rename' | 'subfolder' | 'move'>('idle');
  const [text, setText] = useState('');
  const children = state.folders.filter((f) => f.parentId === folder.id);
  const active = state.view.kind === 'folder' && state.view.folderId === folder.id;

  function submitName(event: FormEvent) {
    event.preventDefault();
    const name = text.trim();
    if (!name) return;
    if (mode === 'rename') void store.updateFolder(folder.id, { name });
    else void store.createFolder(name, folder.id);
    setMode('idle');
  }

  function remove() {
    const sure = window.confirm(
      `Delete the folder "${folder.name}" and its subfolders? Their notes stay, outside any folder.`,
    );
    if (sure) void store.deleteFolder(folder.id);
    setMode('idle');
  }

  const blocked = descendantsOf(folder.id, state.folders);
  const targets = state.folders.filter((f) => f.id !== folder.id && !blocked.has(f.id));

  return (
    <li>
      <NavRow
        what={`folder ${folder.name}`}
        className="folder"
        active={active}
        menuOpen={mode !== 'idle'}
        onOpen={() => store.setView({ kind: 'folder', folderId: folder.id })}
        onToggleMenu={() => setMode(mode === 'idle' ? 'menu' : 'idle')}
      >
        {folder.name}
      </NavRow>
      {mode === 'menu' && (
        <div className="folder-actions">
          <button
            type="button"
            onClick={() => {
              setText(folder.name);
              setMode('rename');
            }}
          >
            Rename
          </button>
          <button
            type="button"
            onClick={() => {
              setText('');
              setMode('subfolder');
            }}
          >
            New subfolder
          </button>
          <button type="button" onClick={() => setMode('move')}>
            Move
          </button>
          <button type="button" className="danger" onClick={remove}>
            Delete
          </button>
        </div>
      )}
      {(mode === 'rename' || mode === 'subfolder') && (
        <form className="inline-form" onSubmit={submitName}>
          <label>
            {mode === 'rename' ? `New name for ${folder.name}` : `Subfolder of ${folder.name}`}
            <input value={text} onChange={(e) => setText(e.target.value)} autoFocus />
          </label>
          <button type="submit">{mode === 'rename' ? 'Rename' : 'Add'}</button>
          <button type="button" onClick={() => setMode('idle')}>
            Cancel
          </button>
        </form>
      )}
      {mode === 'move' && (
        <div className="inline-form">
          <label htmlFor={`move-${folder.id}`}>Move {folder.name} into</label>
          <select
            id={`move-${folder.id}`}
            value={folder.parentId ?? ''}
            onChange={(e) => {
              void store.updateFolder(folder.id, { parentId: e.target.value || null });
              setMode('idle');
            }}
          >
            <option value="">Top level</option>
            {targets.map((target) => (
              <option key={target.id} value={target.id}>
                {target.name}
              </option>
            ))}
          </select>
          <button type="button" onClick={() => setMode('idle')}>
            Cancel
          </button>
        </div>
      )}
      {children.length > 0 && (
        <ul>
          {children.map((child) => (
            <FolderItem key={child.id} folder={child} store={store} state={state} />
          ))}
        </ul>
      )}
    </li>
  );
}

function descendantsOf(id: string, folders: Folder[]): Set<string> {
  const found = new Set<string>();
  const queue = [id];
  while (queue.length > 0) {
    const current = queue.pop();
    for (const folder of folders) {
      if (folder.parentId === current && !found.has(folder.id)) {
        found.add(folder.id);
        queue.push(folder.id);
      }
    }
  }
  return found;
}
