import { DrizzleQueryError } from 'drizzle-orm/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeError } from '../../src/logged-error';
import { refuseNotesTitled } from '../helpers/refusing-trigger';
import { startTestServer, type TestServer } from '../helpers/test-server';
import { createTestUser } from '../helpers/test-user';

const BODY = 'the words of a private note 5c2e91';

describe('an error logged from a failed statement', () => {
  it('keeps the statement’s shape and the driver’s reason, never its values', () => {
    const reason = Object.assign(new Error('new row violates check constraint "x"'), {
      code: '23514',
      detail: `Failing row contains (${BODY}).`,
      where: `PL/pgSQL function f() line 3 at RAISE: ${BODY}`,
    });
    const error = new DrizzleQueryError(
      'insert into notes (title, content) values ($1, $2)',
      ['a title', BODY],
      reason,
    );
    const logged = JSON.stringify(serializeError(error));
    expect(logged).not.toContain(BODY);
    expect(logged).toContain('Failed query: insert into notes (title, content) values ($1, $2)');
    expect(logged).toContain('new row violates check constraint');
    expect(logged).toContain('23514');
  });

  it('cuts SQL with values written in at its first literal', () => {
    const query = `execute tidings_note_batch_write('[{"content":"${BODY}"}]')`;
    const error = Object.assign(new Error(`Failed query: ${query}\nparams: `), {
      query,
      params: [],
    });
    const logged = serializeError(error) as { message: string; query: string; stack: string };
    expect(JSON.stringify(logged)).not.toContain(BODY);
    expect(logged.query).toBe('execute tidings_note_batch_write(…');
    expect(logged.message).toBe('Failed query: execute tidings_note_batch_write(…');
    expect(logged.stack.split('\n')[0]).toBe(`Error: ${logged.message}`);
  });

  it('does not repeat the input JSON.parse quotes', () => {
    // V8 quotes the input from its start, or from a few characters before the failure.
    for (const input of [BODY, `{"content": ${BODY}}`]) {
      let failure: unknown;
      try {
        JSON.parse(input);
      } catch (error) {
        failure = error;
      }
      const logged = serializeError(failure) as { message: string; stack: string };
      expect(JSON.stringify(logged)).not.toContain('the words');
      expect(logged.message).toMatch(/^Unexpected token '.' in input that is not valid JSON$/);
      expect(logged.stack.split('\n')[0]).toBe(`SyntaxError: ${logged.message}`);
    }
  });

  it('leaves other values alone', () => {
    expect(serializeError('not an error')).toBe('not an error');
    const plain = serializeError(new Error('plain')) as { message: string; stack: string };
    expect(plain.message).toBe('plain');
    expect(plain.stack).toContain('Error: plain');
  });
});

// A real write refused by the database, through the real routes and the app's own logger.
describe('a request that fails in the database', () => {
  let server: TestServer;
  let removeTrigger: (() => Promise<void>) | undefined;
  const lines: string[] = [];
  beforeAll(async () => {
    server = await startTestServer({ LOG_LEVEL: 'error' }, undefined, {
      logStream: { write: (line) => void lines.push(line) },
    });
    removeTrigger = await refuseNotesTitled(
      server,
      'refuse me',
      'P0001',
      'refused by a test trigger',
    );
  });
  afterAll(async () => {
    await removeTrigger?.();
    await server.close();
  });

  async function send(method: string, path: string, token: string, body: object) {
    return fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  it('answers 500 and logs why, without the note’s body', async () => {
    const user = await createTestUser(server);
    const created = await send('POST', '/api/notes', user.accessToken, {
      title: 'refuse me',
      content: BODY,
    });
    expect(created.status).toBe(500);
    const kept = await send('POST', '/api/notes', user.accessToken, { title: 'kept' });
    expect(kept.status).toBe(201);
    const { note } = (await kept.json()) as { note: { id: string } };
    // An update goes through the group commit (values written into the statement on PGlite).
    const updated = await send('PATCH', `/api/notes/${note.id}`, user.accessToken, {
      title: 'refuse me',
      content: BODY,
    });
    expect(updated.status).toBe(500);

    const failures = lines.filter((line) => line.includes('request failed'));
    expect(failures).toHaveLength(2);
    for (const line of failures) expect(line).toContain('refused by a test trigger');
    expect(lines.join('')).not.toContain(BODY);
  });
});
