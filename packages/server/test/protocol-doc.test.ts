import { readFileSync } from 'node:fs';
import {
  BATCH_QUERY_ON,
  BATCH_QUERY_PARAM,
  CLIENT_MESSAGE_TYPES,
  SERVER_MESSAGE_TYPES,
  WS_CLOSE,
} from '@tidings/protocol';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
const docLines = doc.split('\n');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');

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

  it('links every section from the contents line', () => {
    const contents = doc.slice(
      doc.indexOf('Contents:'),
      doc.indexOf('\n\n', doc.indexOf('Contents:')),
    );
    const sections = docLines.filter((line) => line.startsWith('## ')).map((l) => l.slice(3));
    expect(sections).toContain('Batched frames');
    for (const section of sections) expect(contents, section).toContain(`(#${anchorOf(section)})`);
  });

  it('documents the opt-in to batched frames', () => {
    expect(doc).toContain(`/ws?${BATCH_QUERY_PARAM}=${BATCH_QUERY_ON}`);
  });

  it('gives the exact expired-token message', () => {
    expect(doc).toContain(
      'Authentication token has expired. Please refresh your token and reconnect.',
    );
  });
});
