import { readFileSync } from 'node:fs';
import { CLIENT_MESSAGE_TYPES, SERVER_MESSAGE_TYPES, WS_CLOSE } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
const docLines = doc.split('\n');

describe('docs/protocol.md matches the declared protocol', () => {
  it.each([...CLIENT_MESSAGE_TYPES])('documents the client message `%s`', (type) => {
    expect(docLines.some((line) => line.startsWith(`| \`${type}\``))).toBe(true);
  });

  it.each([...SERVER_MESSAGE_TYPES])('documents the server message `%s`', (type) => {
    expect(docLines.some((line) => line.startsWith(`| \`${type}\``))).toBe(true);
  });

  it.each(Object.entries(WS_CLOSE))('documents the close %s', (_name, { code, reason }) => {
    const row = docLines.find(
      (line) =>
        line.startsWith(`| ${code} `) &&
        (reason === '' ? line.includes('(no reason text)') : line.includes(`\`${reason}\``)),
    );
    expect(row, `a close-code table row for ${code} ${reason || '(no reason)'}`).toBeDefined();
  });

  it('gives the exact expired-token message', () => {
    expect(doc).toContain(
      'Authentication token has expired. Please refresh your token and reconnect.',
    );
  });
});
