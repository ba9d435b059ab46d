import type { AuthState } from '@tidings/client';
import { useEffect, useState } from 'react';
import { client, realtime } from '../sdk';
import { AuthScreen } from './AuthScreen';
import { Workspace } from './Workspace';

/**
 * Nothing is shown, and nothing authenticated is sent, until the SDK knows whether a session
 * exists (`client.ready`); then either the sign-in screen or the workspace.
 */
export function App() {
  const [auth, setAuth] = useState<AuthState>(client.authState);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    const stopAuth = client.onAuthChange(setAuth);
    void client.ready.then(() => setAuth(client.authState));
    const stopEnded = realtime.on('sessionEnded', () =>
      setNotice('You were signed out (perhaps from another tab or device). Please sign in again.'),
    );
    return () => {
      stopAuth();
      stopEnded();
    };
  }, []);

  if (auth.status === 'restoring') {
    return (
      <p className="splash" role="status">
        Loading…
      </p>
    );
  }
  if (auth.status === 'signed-out' || !auth.user) {
    return <AuthScreen notice={notice} onSignedIn={() => setNotice(null)} />;
  }
  return <Workspace key={auth.user.id} user={auth.user} />;
}
