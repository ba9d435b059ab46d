import type { PublicUser } from '@tidings/protocol';
import type { FetchLike } from '../../src/http-transport';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
}

export type Route = (request: RecordedRequest) => { status: number; body?: unknown } | undefined;

export const TEST_USER: PublicUser = {
  id: 'u1',
  email: 'ada@example.com',
  name: 'Ada',
  createdAt: '2026-01-01T00:00:00.000Z',
};

/**
 * A scripted server behind `fetch`: records every request and answers from `route`, or with the
 * auth endpoints' usual answers. For what the SDK sends (headers, order, retries); the SDK is
 * also tested against the real server in the server package.
 */
export function fakeApi(route: Route = () => undefined) {
  const requests: RecordedRequest[] = [];
  let refreshes = 0;
  let csrfFetches = 0;
  const fetch: FetchLike = async (input, init) => {
    const url = new URL(input);
    const headers = Object.fromEntries(
      Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [
        k.toLowerCase(),
        v,
      ]),
    );
    const request: RecordedRequest = {
      method: init.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    requests.push(request);
    // Let concurrent callers pile up before anyone is answered, as on a real network.
    await new Promise((resolve) => setTimeout(resolve, 1));
    const answer = route(request) ?? defaults(request);
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
      status: answer.status,
      headers: { 'content-type': 'application/json' },
    });
  };

  function defaults(request: RecordedRequest): { status: number; body?: unknown } {
    if (request.path === '/api/csrf-token') {
      csrfFetches += 1;
      return { status: 200, body: { csrfToken: `csrf-${csrfFetches}` } };
    }
    if (request.path === '/api/auth/refresh') {
      refreshes += 1;
      return {
        status: 200,
        body: {
          user: TEST_USER,
          accessToken: `access-${refreshes + 1}`,
          expiresAt: Date.now() + 60_000,
          refreshToken: `refresh-${refreshes + 1}`,
        },
      };
    }
    if (request.path === '/api/auth/me') return { status: 200, body: { user: TEST_USER } };
    return { status: 404, body: { error: { code: 'NOT_FOUND', message: 'Not found.' } } };
  }

  return {
    fetch,
    requests,
    get refreshes() {
      return refreshes;
    },
    get csrfFetches() {
      return csrfFetches;
    },
  };
}

export function errorBody(code: string, message = code, details?: unknown) {
  return { error: { code, message, details } };
}
