import { readFileSync } from 'node:fs';
import { ERROR_CODES } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

/** Rows of the form | `CODE` | 400 | meaning |. */
function documentedCodes(): Map<string, number> {
  const rows = new Map<string, number>();
  for (const match of doc.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)) {
    rows.set(match[1]!, Number(match[2]));
  }
  return rows;
}

describe('docs/errors.md', () => {
  it('lists exactly the registered codes with their HTTP status', () => {
    const documented = documentedCodes();
    const registered = new Map(
      Object.entries(ERROR_CODES).map(([code, { status }]) => [code, status as number]),
    );
    expect(documented).toEqual(registered);
  });
});
