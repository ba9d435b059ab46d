/** A Map (walked by key) or a Set: walked in place by its own live iterator. */
export interface LiveCollection<T> {
  readonly size: number;
  keys(): Iterator<T>;
}

/**
 * Walks a live collection (a Map's or Set's own iterator: members that leave before they are
 * reached are skipped, ones that arrive are reached at the end) a share at a time, so that work
 * due for every member once per round is spread over the round's `slices` ticks instead of done
 * in one. Each round starts from the beginning; what the previous round had not reached
 * (members that arrived during it) comes first in its first share. A member may be reached a
 * little sooner than one round after the last time (others left ahead of it), never much later.
 */
export class RollingShares<T> {
  private round: Iterator<T> | null = null;
  private perTick = 0;
  private tickInRound = 0;

  constructor(
    private readonly members: LiveCollection<T>,
    private readonly slices: number,
  ) {}

  /** This tick's share. */
  next(): T[] {
    const share: T[] = [];
    if (this.tickInRound === 0) {
      this.take(share, Infinity);
      this.round = this.members.keys();
      this.perTick = Math.ceil(this.members.size / this.slices);
    }
    this.take(share, this.perTick);
    this.tickInRound = (this.tickInRound + 1) % this.slices;
    return share;
  }

  private take(share: T[], count: number): void {
    for (let taken = 0; taken < count; taken += 1) {
      const next = this.round?.next();
      if (!next || next.done) return;
      share.push(next.value);
    }
  }
}
