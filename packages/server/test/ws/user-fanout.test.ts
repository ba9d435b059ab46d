import type { SyncEvent } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { createMemoryHub, type SyncHub } from '../../src/sync/hub';
import { UserFanout } from '../../src/ws/user-fanout';

/** A memory hub that counts live subscriptions, to see how many the fan-out holds. */
function countingHub(): { hub: SyncHub; live: () => number } {
  const hub = createMemoryHub();
  let live = 0;
  return {
    live: () => live,
    hub: {
      ...hub,
      subscribe(userId, listener) {
        live += 1;
        const unsubscribe = hub.subscribe(userId, listener);
        return () => {
          live -= 1;
          unsubscribe();
        };
      },
    },
  };
}

function member() {
  const got: number[] = [];
  return { got, receive: (event: SyncEvent) => void got.push(event.seq) };
}

const event = (seq: number) => ({ type: 'note_deleted', seq, noteId: 'n' }) as unknown as SyncEvent;

describe('UserFanout', () => {
  it("hands each of a user's events to every member through one hub subscription", async () => {
    const { hub, live } = countingHub();
    const fanout = new UserFanout(hub);
    const phone = member();
    const laptop = member();
    const stranger = member();
    await fanout.add('alice', phone);
    await fanout.add('alice', laptop);
    await fanout.add('bob', stranger);
    expect(live()).toBe(2);
    hub.publish('alice', [event(1), event(2)]);
    expect(phone.got).toEqual([1, 2]);
    expect(laptop.got).toEqual([1, 2]);
    expect(stranger.got).toEqual([]);
  });

  it("lets go of the user's subscription with the last member, and only then", async () => {
    const { hub, live } = countingHub();
    const fanout = new UserFanout(hub);
    const phone = member();
    const laptop = member();
    await fanout.add('alice', phone);
    await fanout.add('alice', laptop);
    fanout.remove('alice', phone);
    fanout.remove('alice', phone);
    expect(live()).toBe(1);
    hub.publish('alice', [event(1)]);
    expect(phone.got).toEqual([]);
    expect(laptop.got).toEqual([1]);
    fanout.remove('alice', laptop);
    expect(live()).toBe(0);
  });
});
