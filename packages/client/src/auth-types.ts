import type { PublicUser } from '@tidings/protocol';

export interface RegisterInput {
  email: string;
  password: string;
  name?: string;
}

export interface LoginInput {
  email: string;
  password: string;
}

/** The body of register, login and refresh. */
export interface AuthResponse {
  user?: PublicUser;
  accessToken: string;
  /** Epoch milliseconds or an ISO date. */
  expiresAt: number | string;
  /** Only with `tokenDelivery: "body"` (token mode). */
  refreshToken?: string;
}

export type AuthStatus = 'restoring' | 'signed-in' | 'signed-out';

export interface AuthState {
  status: AuthStatus;
  user: PublicUser | null;
}

export function expiresAtMs(value: number | string | undefined): number | null {
  if (value === undefined) return null;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}
