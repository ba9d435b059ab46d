import type { ServerMessage } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { PipelinedUpdates } from '../../src/ws/pipelined-updates';

/** An outcome the test settles when it wants. */
function pending() {
  let settle: { resolve(reply: ServerMessage): void; reject(error: unknown): void } | undefined;
  const promise = new Promise<ServerMessage>((resolve, reject) => {
    settle = { resolve, reject };
  });
  return { promise, ...(settle as NonNullable<typeof settle>) };
}

const pong = (timestamp: number): ServerMessage => ({ type: 'pong', timestamp });

describe('PipelinedUpdates', () => {
  it('answers in the order added, whatever order the outcomes settle in', async () => {
    const updates = new PipelinedUpdates();
    const answers: string[] = [];
    const outcomes = [pending(), pending(), pending()];
    outcomes.forEach((outcome, index) =>
      updates.add(outcome.promise, `m${index}`, (reply, failure) =>
        answers.push(
          reply
            ? `m${index}:${(reply as { timestamp: number }).timestamp}`
            : `m${index}:${String(failure)}`,
        ),
      ),
    );
    expect([updates.size, updates.has('m1'), updates.has('other')]).toEqual([3, true, false]);
    outcomes[2]?.resolve(pong(2));
    outcomes[1]?.reject('conflict');
    await new Promise((resolve) => setImmediate(resolve));
    expect(answers).toEqual([]);
    outcomes[0]?.resolve(pong(0));
    await updates.settled();
    expect(answers).toEqual(['m0:0', 'm1:conflict', 'm2:2']);
    expect([updates.size, updates.has('m1')]).toEqual([0, false]);
  });

  it('settles at once with nothing in flight', async () => {
    const updates = new PipelinedUpdates();
    await expect(updates.settled()).resolves.toBeUndefined();
    expect(updates.size).toBe(0);
  });
});
