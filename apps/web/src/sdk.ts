import { createTidingsClient, memorySessionStore, signedInMarkerStore } from '@tidings/client';

/**
 * The one client of this page: same origin (the server serves the app), session in httpOnly
 * cookies, so the app never touches a token. localStorage keeps only who was signed in, so a
 * page opened while the server is unreachable shows that user's workspace offline rather than
 * the sign-in screen.
 */
export const client = createTidingsClient({
  credentials: 'cookie',
  sessionStore: markerStore(),
});

function markerStore() {
  try {
    return signedInMarkerStore();
  } catch {
    return memorySessionStore(); // storage disabled: the session still works, unremembered
  }
}

// Signed messages work with every server and are required by some (WS_REQUIRE_SIGNED_MESSAGES).
export const realtime = client.realtime({ transport: 'auto', signMessages: true });
