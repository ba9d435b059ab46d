import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics';
import { openSse } from '../helpers/sse-client';
import { commitTestChanges } from '../helpers/test-changes';
import { startTestServer, type TestServer } from '../helpers/test-server';
import { createTestUser } from '../helpers/test-user';

type Samples = Map<string, number>;

/**
 * Parses the Prometheus text exposition strictly: every line is a comment or a sample
 * `name{labels} value` (prom-client writes NaN as `Nan`, which Prometheus reads case-blind);
 * returns the samples keyed by `name{labels}`.
 */
function parseExposition(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?[0-9.e+-]+|NaN|Nan|[+-]Inf)$/.exec(
      line,
    );
    if (!match) throw new Error(`not Prometheus text format: ${JSON.stringify(line)}`);
    samples.set(match[1] as string, Number(match[2]));
  }
  return samples;
}

async function scrape(server: TestServer, headers: Record<string, string> = {}): Promise<Samples> {
  const response = await fetch(`${server.url}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return parseExposition(await response.text());
}

describe('GET /metrics without ADMIN_TOKEN', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('serves the Prometheus text format with the instance and process metrics', async () => {
    const samples = await scrape(server);
    expect(samples.get('tidings_ws_connections')).toBe(0);
    expect(samples.get('tidings_ws_connections_authenticated')).toBe(0);
    expect(samples.get('tidings_authenticated_users')).toBe(0);
    expect(samples.get('tidings_sse_streams')).toBe(0);
    expect(samples.has('process_cpu_user_seconds_total')).toBe(true);
    expect(samples.has('nodejs_heap_size_used_bytes')).toBe(true);
  });

  it('moves when an SSE stream opens and an event is delivered', async () => {
    const user = await createTestUser(server);
    const stream = await openSse(`${server.url}/api/events`, user.headers);
    expect(await stream.next()).toMatchObject({ event: 'ready' });
    const before = await scrape(server);
    expect(before.get('tidings_sse_streams')).toBe(1);
    expect(before.get('tidings_authenticated_users')).toBe(1);
    const sentBefore = before.get('tidings_messages_out_total{transport="sse"}') ?? 0;

    await commitTestChanges(server, user.userId, 2);
    await stream.take(2);
    const after = await scrape(server);
    expect(after.get('tidings_messages_out_total{transport="sse"}')).toBe(sentBefore + 2);
    expect(after.get('tidings_delivery_latency_seconds_count{transport="sse"}')).toBe(
      (before.get('tidings_delivery_latency_seconds_count{transport="sse"}') ?? 0) + 2,
    );

    stream.close();
    await waitFor(async () => (await scrape(server)).get('tidings_sse_streams') === 0);
    expect((await scrape(server)).get('tidings_authenticated_users')).toBe(0);
  });

  it('answers only local requests: not other addresses, not through a proxy', async () => {
    const remote = await server.app.http.inject({
      url: '/metrics',
      remoteAddress: '203.0.113.7',
    });
    expect(remote.statusCode).toBe(403);
    expect(remote.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const proxied = await fetch(`${server.url}/metrics`, {
      headers: { 'x-forwarded-for': '203.0.113.7' },
    });
    expect(proxied.status).toBe(403);
  });
});

describe('GET /metrics with ADMIN_TOKEN', () => {
  const adminToken = 'metrics-admin-token-for-tests-0123456789';
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ADMIN_TOKEN: adminToken });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('requires the bearer token, even from loopback', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Basic ${adminToken}`, 'Bearer ']) {
      const response = await fetch(`${server.url}/metrics`, {
        headers: authorization ? { authorization } : {},
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    }
    await scrape(server, { authorization: `Bearer ${adminToken}` });
  });

  it('serves any address that presents the token', async () => {
    const response = await server.app.http.inject({
      url: '/metrics',
      remoteAddress: '203.0.113.7',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(response.statusCode).toBe(200);
    expect(parseExposition(response.body).has('tidings_rejections_total')).toBe(false);
  });
});

describe('metrics of one app', () => {
  it('count each user once however many connections, and label rejections by code', async () => {
    const metrics = createMetrics();
    metrics.userOnline('a');
    metrics.userOnline('a');
    metrics.userOnline('b');
    metrics.wsConnectionOpened();
    metrics.wsConnectionAuthenticated();
    metrics.rejected('RATE_LIMITED');
    metrics.rejected('RATE_LIMITED');
    metrics.rejected('REPLAYED_NONCE');
    metrics.delivered('ws', 1_000, 1_250);
    metrics.watchDependency('redis_limits', () => 'degraded');
    let samples = parseExposition((await metrics.render()).body);
    expect(samples.get('tidings_authenticated_users')).toBe(2);
    expect(samples.get('tidings_rejections_total{code="RATE_LIMITED"}')).toBe(2);
    expect(samples.get('tidings_rejections_total{code="REPLAYED_NONCE"}')).toBe(1);
    expect(samples.get('tidings_delivery_latency_seconds_bucket{le="0.25",transport="ws"}')).toBe(
      1,
    );
    expect(samples.get('tidings_delivery_latency_seconds_bucket{le="0.1",transport="ws"}')).toBe(0);
    expect(samples.get('tidings_dependency_degraded{dependency="redis_limits"}')).toBe(1);
    metrics.userOffline('a');
    metrics.wsConnectionClosed(true);
    samples = parseExposition((await metrics.render()).body);
    expect(samples.get('tidings_authenticated_users')).toBe(2);
    expect(samples.get('tidings_ws_connections')).toBe(0);
    expect(samples.get('tidings_ws_connections_authenticated')).toBe(0);
    metrics.userOffline('a');
    samples = parseExposition((await metrics.render()).body);
    expect(samples.get('tidings_authenticated_users')).toBe(1);
    // A second app in the same process has figures of its own.
    expect(
      parseExposition((await createMetrics().render()).body).get('tidings_authenticated_users'),
    ).toBe(0);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
