import type { TestServer } from './test-server';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

/** What an error answer looks like; for reading `body.error.code` in tests. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export type Api = <T = unknown>(
  method: string,
  path: string,
  body?: unknown,
) => Promise<ApiResponse<T>>;

/** JSON over real HTTP as one user (Bearer, so no CSRF token is involved). */
export function apiFor(server: TestServer, headers: Record<string, string>): Api {
  return async <T>(method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        ...headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}
