/** The authenticated caller of a request or connection. */
export interface Principal {
  userId: string;
  /** The session (refresh-token family) the access token was issued for. */
  sessionId: string;
  /** When the access token expires, in milliseconds since the epoch. */
  expiresAt: number;
}

/** Where a credential was found, in the order they are tried. */
export type CredentialSource = 'header' | 'cookie' | 'query' | 'message';

/** Reads `Authorization: Bearer <token>`; undefined when the header is absent. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  // A malformed header is not "absent": answer with an empty token so it fails verification
  // rather than falling back to a cookie (which would skip the CSRF check).
  return match?.[1] ?? '';
}
