import { describe, expect, it } from 'vitest';
import { resolveBaseUrl, webSocketUrl } from '../src/base-url';

describe('resolveBaseUrl', () => {
  it("uses the page's origin in a browser when no base URL is given", () => {
    expect(resolveBaseUrl(undefined, 'http://localhost:3000')).toBe('http://localhost:3000');
  });

  it('requires a base URL outside a browser', () => {
    expect(() => resolveBaseUrl(undefined, undefined)).toThrow(/baseUrl is required/);
  });

  it("rewrites another loopback alias of the page's server to the page's spelling", () => {
    // Cookies set for localhost are never sent to 127.0.0.1: the two must not be mixed.
    expect(resolveBaseUrl('http://127.0.0.1:3000', 'http://localhost:3000')).toBe(
      'http://localhost:3000',
    );
    expect(resolveBaseUrl('http://localhost:3000/', 'http://127.0.0.1:3000')).toBe(
      'http://127.0.0.1:3000',
    );
  });

  it('leaves other servers and other ports alone', () => {
    expect(resolveBaseUrl('http://127.0.0.1:4000', 'http://localhost:3000')).toBe(
      'http://127.0.0.1:4000',
    );
    expect(resolveBaseUrl('https://notes.example.com', 'http://localhost:3000')).toBe(
      'https://notes.example.com',
    );
  });

  it('keeps a path prefix and drops trailing slashes', () => {
    expect(resolveBaseUrl('https://example.com/tidings/', undefined)).toBe(
      'https://example.com/tidings',
    );
    expect(resolveBaseUrl('/tidings', 'https://example.com')).toBe('https://example.com/tidings');
  });
});

describe('webSocketUrl', () => {
  it('derives ws and wss from the API base URL', () => {
    expect(webSocketUrl('http://localhost:3000')).toBe('ws://localhost:3000/ws');
    expect(webSocketUrl('https://example.com/tidings')).toBe('wss://example.com/tidings/ws');
  });
});
