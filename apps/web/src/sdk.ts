import { createTidingsClient } from '@tidings/client';

/**
 * The one client of this page: same origin (the server serves the app), session in httpOnly
 * cookies, so the app never touches a token.
 */
export const client = createTidingsClient({ credentials: 'cookie' });

// Signed messages work with every server and are required by some (WS_REQUIRE_SIGNED_MESSAGES).
export const realtime = client.realtime({ transport: 'auto', signMessages: true });
