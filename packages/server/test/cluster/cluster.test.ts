import type { Note } from '@tidings/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, clusterSkipReason, startCluster } from '../helpers/cluster';
import { openSse } from '../helpers/sse-client';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe.skipIf(clusterSkipReason !== null)('three instances on Postgres and Redis', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(['a', 'b', 'c'], { REDIS_URL });
  }, 60_000);
  afterAll(() => cluster?.close());

  it('delivers a write on one instance to the user’s streams on the others, same seq', async () => {
    const [a, b, c] = cluster.instances;
    const user = await cluster.createUser();
    const onB = await openSse(`${b!.url}/api/events`, user.headers);
    const onC = await openSse(`${c!.url}/api/events`, user.headers);
    expect((await onB.next())?.event).toBe('ready');
    expect((await onC.next())?.event).toBe('ready');

    const response = await fetch(`${a!.url}/api/notes`, {
      method: 'POST',
      headers: { ...user.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Across instances' }),
    });
    expect(response.status).toBe(201);
    const { note } = (await response.json()) as { note: Note };

    for (const stream of [onB, onC]) {
      const frame = await stream.next();
      expect(frame).toMatchObject({ event: 'note_created_sync', id: '1' });
      expect((frame?.data as { noteData: Note }).noteData.id).toBe(note.id);
      stream.close();
    }
  });
});
