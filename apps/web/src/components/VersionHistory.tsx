import type { NoteVersion } from '@tidings/protocol';
import { useEffect, useState } from 'react';
import { humanMessage } from '../error-messages';
import { client } from '../sdk';
import type { WorkspaceStore } from '../state/workspace-store';

interface Props {
  noteId: string;
  currentVersion: number;
  store: WorkspaceStore;
  onClose: () => void;
}

/** Earlier versions of a note, newest first, each restorable. */
export function VersionHistory({ noteId, currentVersion, store, onClose }: Props) {
  const [versions, setVersions] = useState<NoteVersion[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    client.notes.versions(noteId).then(
      (loaded) => live && setVersions(loaded),
      (error: unknown) => live && setProblem(humanMessage(error)),
    );
    return () => {
      live = false;
    };
  }, [noteId, currentVersion]);

  return (
    <section className="history" aria-labelledby="history-heading">
      <div className="history-header">
        <h3 id="history-heading">Version history</h3>
        <button type="button" onClick={onClose}>
          Close history
        </button>
      </div>
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
      {!versions && !problem && <p>Loading…</p>}
      {versions?.length === 0 && <p className="hint">No earlier versions yet.</p>}
      <ol className="versions">
        {versions?.map((version) => (
          <li key={version.version}>
            <div>
              <strong>Version {version.version}</strong>{' '}
              <time dateTime={version.createdAt}>
                {new Date(version.createdAt).toLocaleString()}
              </time>
              <p className="version-title">{version.title || 'Untitled'}</p>
              <p className="version-snippet">{version.content.slice(0, 160)}</p>
            </div>
            <button
              type="button"
              disabled={version.version === currentVersion}
              onClick={() => void store.revert(noteId, version.version)}
            >
              {version.version === currentVersion
                ? 'Current'
                : `Restore version ${version.version}`}
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
