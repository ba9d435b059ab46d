import { afterEach, describe, expect, it } from 'vitest';
import { HeartbeatWheel } from '../../src/ws/heartbeat-wheel';
import { SlottedSet } from '../../src/ws/slotted-set';

/** A connection that counts its pings, and can end itself on one (as a silent peer does). */
class Peer {
  pings = 0;
  constructor(private readonly onPing: (peer: Peer) => void = () => undefined) {}
  heartbeat() {
    this.pings += 1;
    this.onPing(this);
  }
}

describe('HeartbeatWheel', () => {
  let wheel: HeartbeatWheel | undefined;
  afterEach(() => wheel?.stop());

  /** A wheel whose own timer never fires during the test: ticks are driven by hand. */
  function handDriven(peers: SlottedSet<Peer>) {
    wheel = new HeartbeatWheel(peers, 3_600_000);
    return wheel;
  }

  const total = (peers: Peer[]) => peers.reduce((sum, peer) => sum + peer.pings, 0);

  it('pings each connection once per round of ticks, a slot at each tick', () => {
    const peers = new SlottedSet<Peer>(4);
    const all = Array.from({ length: 10 }, () => new Peer());
    for (const peer of all) peers.add(peer);
    const wheel = handDriven(peers);
    const perTick: number[] = [];
    for (let tick = 0; tick < 4; tick++) {
      const before = total(all);
      wheel.tick();
      perTick.push(total(all) - before);
    }
    expect(perTick).toEqual([3, 3, 2, 2]);
    expect(all.map((peer) => peer.pings)).toEqual(Array(10).fill(1));
    for (let tick = 0; tick < 4; tick++) wheel.tick();
    expect(all.map((peer) => peer.pings)).toEqual(Array(10).fill(2));
  });

  it('pings a connection exactly one round apart, whenever it opened', () => {
    const peers = new SlottedSet<Peer>(5);
    const wheel = handDriven(peers);
    const early = new Peer();
    peers.add(early);
    wheel.tick();
    wheel.tick();
    // Opened mid-round: its slot (the second) has passed, so it waits a whole round, no more.
    const late = new Peer();
    peers.add(late);
    const pingedAt: number[] = [];
    for (let tick = 2; tick < 12; tick++) {
      const before = late.pings;
      wheel.tick();
      if (late.pings > before) pingedAt.push(tick);
    }
    expect(pingedAt).toEqual([6, 11]);
    expect(early.pings).toBe(3);
  });

  it('stops pinging a connection once it left, even from inside its own heartbeat', () => {
    const peers = new SlottedSet<Peer>(2);
    const wheel = handDriven(peers);
    const gone = new Peer();
    const endsItself = new Peer((peer) => peers.delete(peer));
    const staying = new Peer();
    for (const peer of [gone, endsItself, staying]) peers.add(peer);
    peers.delete(gone);
    for (let tick = 0; tick < 6; tick++) wheel.tick();
    expect([gone.pings, endsItself.pings, staying.pings]).toEqual([0, 1, 3]);
  });
});
