import { ConnectionState } from '@tidings/client';

const LABELS: Record<ConnectionState, string> = {
  [ConnectionState.Connecting]: 'Connecting…',
  [ConnectionState.Connected]: 'Connected',
  [ConnectionState.Reconnecting]: 'Reconnecting…',
  [ConnectionState.Offline]: 'Offline',
  [ConnectionState.Closed]: 'Disconnected',
};

interface Props {
  state: ConnectionState;
  transport: string | null;
  lastSyncAt: number | null;
  unsaved: number;
}

/** The live connection's state, when it last synced, and edits still waiting to be saved. */
export function ConnectionIndicator({ state, transport, lastSyncAt, unsaved }: Props) {
  return (
    <div className="connection" role="status" aria-live="polite">
      <span
        className="connection-state"
        data-state={state}
        data-transport={transport ?? undefined}
        title={transport === 'sse' ? 'Live updates over Server-Sent Events' : undefined}
      >
        <span className="dot" aria-hidden="true" />
        {LABELS[state]}
      </span>
      <span className="last-sync">
        {lastSyncAt ? `Last sync ${new Date(lastSyncAt).toLocaleTimeString()}` : 'Not synced yet'}
      </span>
      {unsaved > 0 && (
        <span className="unsaved">
          {unsaved === 1 ? '1 change waiting to save' : `${unsaved} changes waiting to save`}
        </span>
      )}
    </div>
  );
}
