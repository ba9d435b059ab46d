import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUser } from './helpers/test-user';
import { openWs, UpgradeRefused, type WsClient } from './helpers/ws-client';

/** A socket that is open and greeted but has not authenticated. */
function openUnauthenticated(server: TestServer, headers: Record<string, string> = {}) {
  return openWs(`${server.wsUrl}/ws`, { headers, expectAuth: false });
}

/** Closes every client and waits for each close handshake: the server has let go of them. */
async function closeAll(clients: (WsClient | undefined)[]): Promise<void> {
  await Promise.all(
    clients.map(async (client) => {
      client?.close();
      await client?.closed;
    }),
  );
}

async function refusal(opening: Promise<WsClient>): Promise<unknown> {
  return opening.then(
    (client) => {
      client.close();
      return 'accepted';
    },
    (error: unknown) => error,
  );
}

describe('sockets that have not authenticated, per client address', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ WS_MAX_UNAUTHENTICATED_PER_ADDRESS: '3' });
  });
  afterAll(() => server.close());

  it('refuses an address its next upgrade once it holds the cap, and frees a slot on auth or close', async () => {
    const user = await createTestUser(server);
    const held = [
      await openUnauthenticated(server),
      await openUnauthenticated(server),
      await openUnauthenticated(server),
    ];
    const refused = await refusal(openUnauthenticated(server));
    expect(refused).toBeInstanceOf(UpgradeRefused);
    expect((refused as UpgradeRefused).status).toBe(429);

    // Authenticating one frees its slot: it is now counted against the user, not the address.
    held[0]?.send({ type: 'auth', token: user.accessToken });
    expect((await held[0]?.next())?.type).toBe('auth_success');
    const fourth = await openUnauthenticated(server);
    expect(await refusal(openUnauthenticated(server))).toBeInstanceOf(UpgradeRefused);

    // So does closing one.
    await closeAll([held[1]]);
    const fifth = await openUnauthenticated(server);
    await closeAll([...held, fourth, fifth]);
  });

  it('authenticates a socket that presents its token with the upgrade without holding a slot', async () => {
    const user = await createTestUser(server);
    const held = await Promise.all([1, 2, 3].map(() => openUnauthenticated(server)));
    // At the cap, an upgrade with a token is counted while it is checked, so it too waits for
    // room; once there is room it authenticates at once and leaves the slot.
    await closeAll([held[0]]);
    const authed = await openWs(`${server.wsUrl}/ws`, {
      headers: { authorization: `Bearer ${user.accessToken}` },
      expectAuth: true,
    });
    const another = await openUnauthenticated(server);
    await closeAll([...held, authed, another]);
  });
});

describe('behind a trusted proxy', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ WS_MAX_UNAUTHENTICATED_PER_ADDRESS: '2', TRUST_PROXY: '1' });
  });
  afterAll(() => server.close());

  it('counts each client address the proxy reports, not the proxy', async () => {
    const from = (address: string) => openUnauthenticated(server, { 'x-forwarded-for': address });
    const held = [await from('198.51.100.7'), await from('198.51.100.7')];
    expect(await refusal(from('198.51.100.7'))).toBeInstanceOf(UpgradeRefused);
    // A client cannot pick its address by writing one in front of the proxy's entry.
    expect(await refusal(from('203.0.113.9, 198.51.100.7'))).toBeInstanceOf(UpgradeRefused);
    const other = await from('203.0.113.9');
    await closeAll([...held, other]);
  });
});
