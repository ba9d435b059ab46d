import type { ReactNode } from 'react';

interface Props {
  /** What the item is called in the actions button's label, e.g. "folder Work". */
  what: string;
  className: string;
  active: boolean;
  menuOpen: boolean;
  onOpen(): void;
  onToggleMenu(): void;
  children: ReactNode;
}

/** A sidebar entry (a folder, a tag): the button that opens it and its "⋯" actions toggle. */
export function NavRow({
  what,
  className,
  active,
  menuOpen,
  onOpen,
  onToggleMenu,
  children,
}: Props) {
  return (
    <div className="folder-row">
      <button
        type="button"
        className={`nav-item ${className}`}
        aria-current={active ? 'page' : undefined}
        onClick={onOpen}
      >
        {children}
      </button>
      <button
        type="button"
        className="icon"
        aria-label={`Actions for ${what}`}
        aria-expanded={menuOpen}
        onClick={onToggleMenu}
      >
        ⋯
      </button>
    </div>
  );
}
