import type { Conflict } from '@tidings/client';
import { useEffect, useRef } from 'react';

interface Props {
  conflict: Conflict;
  onKeepMine: () => void;
  onKeepTheirs: () => void;
}

/** Both versions side by side; the user chooses which one stays. */
export function ConflictDialog({ conflict, onKeepMine, onKeepTheirs }: Props) {
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => first.current?.focus(), []);
  const theirs = conflict.server;
  const mine = { ...theirs, ...conflict.local };

  return (
    <div className="overlay">
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="conflict-heading"
        aria-describedby="conflict-explained"
      >
        <h2 id="conflict-heading">This note was changed elsewhere</h2>
        {/* No Escape shortcut: either choice discards a version, so it must be deliberate. */}
        <p id="conflict-explained">
          While you were editing, the note changed on another tab or device. Choose the version to
          keep.
        </p>
        <div className="conflict-versions">
          <section aria-labelledby="mine-heading">
            <h3 id="mine-heading">Your version</h3>
            <p className="version-title">{mine.title || 'Untitled'}</p>
            <pre className="version-content">{mine.content}</pre>
          </section>
          <section aria-labelledby="theirs-heading">
            <h3 id="theirs-heading">Version on the server (v{theirs.version})</h3>
            <p className="version-title">{theirs.title || 'Untitled'}</p>
            <pre className="version-content">{theirs.content}</pre>
          </section>
        </div>
        <div className="dialog-actions">
          <button type="button" className="primary" ref={first} onClick={onKeepMine}>
            Keep mine
          </button>
          <button type="button" onClick={onKeepTheirs}>
            Keep the server version
          </button>
        </div>
      </div>
    </div>
  );
}
