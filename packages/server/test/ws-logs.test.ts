import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUser } from './helpers/test-user';
import { openWs, UpgradeRefused } from './helpers/ws-client';

describe('WebSocket logging', () => {
  let server: TestServer;
  const lines: string[] = [];
  beforeAll(async () => {
    server = await startTestServer({ LOG_LEVEL: 'debug' }, undefined, {
      logStream: { write: (line) => void lines.push(line) },
    });
  });
  afterAll(() => server.close());

  it('accepts a token in the query string, warns, and never logs the token', async () => {
    const user = await createTestUser(server);
    const client = await openWs(`${server.wsUrl}/ws?token=${user.accessToken}`, {
      expectAuth: true,
    });
    client.send({ type: 'ping' });
    await client.next();
    client.close();
    await client.closed;
    // A failed attempt with a bad query token is not logged with its token either.
    const bad = await openWs(`${server.wsUrl}/ws?token=not-a-real-token-abc123`);
    await bad.closed;

    const log = lines.join('');
    expect(log).toContain('access token passed in the websocket URL');
    expect(log).not.toContain(user.accessToken);
    // Not even a recognisable part of it (the signature segment).
    expect(log).not.toContain(user.accessToken.split('.')[2]);
    expect(log).not.toContain('not-a-real-token-abc123');
  });

  it('logs a refused origin without secrets', async () => {
    const user = await createTestUser(server);
    const refused = await openWs(`${server.wsUrl}/ws?token=${user.accessToken}`, {
      headers: { origin: 'https://evil.example', cookie: `tidings_at=${user.accessToken}` },
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UpgradeRefused);
    const line = lines.find((l) => l.includes('origin not allowed'));
    expect(line).toContain('https://evil.example');
    expect(lines.join('')).not.toContain(user.accessToken);
  });
});
