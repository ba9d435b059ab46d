import { createTidingsClient } from '@tidings/client';

/**
 * The one client of this page: same origin (the server serves the app), session in httpOnly
 * cookies, so the app never touches a token.
 */
export const client = createTidingsClient({ credentials: 'cookie' });

export const realtime = client.realtime({ transport: 'auto' });
