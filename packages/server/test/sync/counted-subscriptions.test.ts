import { describe, expect, it } from 'vitest';
import { countedSubscriptions, createMemoryHub } from '../../src/sync/hub';

/** A promise with its settle functions, to play the bus confirming (or failing) a SUBSCRIBE. */
function deferred(): { promise: Promise<void>; resolve(): void; reject(error: Error): void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

async function isSettled(promise: Promise<void>): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

describe('countedSubscriptions', () => {
  it("waits for the bus to confirm a user's first subscription, and only the first", async () => {
    const confirmations = new Map<string, ReturnType<typeof deferred>>();
    const firsts: string[] = [];
    const subscriptions = countedSubscriptions(createMemoryHub(), {
      first: (userId) => {
        firsts.push(userId);
        const confirmation = deferred();
        confirmations.set(userId, confirmation);
        return confirmation.promise;
      },
    });
    subscriptions.subscribe('alice', () => undefined);
    subscriptions.subscribe('alice', () => undefined);
    expect(firsts).toEqual(['alice']);
    const waiting = subscriptions.whenSubscribed('alice');
    expect(await isSettled(waiting)).toBe(false);
    // Another user's pending confirmation is not this one's.
    subscriptions.subscribe('bob', () => undefined);
    confirmations.get('alice')!.resolve();
    expect(await isSettled(waiting)).toBe(true);
    expect(await isSettled(subscriptions.whenSubscribed('bob'))).toBe(false);
  });

  it('never rejects: a bus that fails to subscribe leaves the connection to catch up later', async () => {
    const confirmation = deferred();
    const subscriptions = countedSubscriptions(createMemoryHub(), {
      first: () => confirmation.promise,
    });
    subscriptions.subscribe('alice', () => undefined);
    const waiting = subscriptions.whenSubscribed('alice');
    confirmation.reject(new Error('redis is down'));
    await expect(waiting).resolves.toBeUndefined();
  });

  it('is at once for a user without a pending confirmation', async () => {
    const subscriptions = countedSubscriptions(createMemoryHub());
    expect(await isSettled(subscriptions.whenSubscribed('nobody'))).toBe(true);
    subscriptions.subscribe('alice', () => undefined);
    expect(await isSettled(subscriptions.whenSubscribed('alice'))).toBe(true);
  });
});
