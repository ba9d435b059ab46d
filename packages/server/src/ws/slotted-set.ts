/**
 * A set kept as a number of smaller sets (slots), members dealt to them in turn as they are
 * added, so that work over every member can be spread out one slot at a time (the heartbeat,
 * heartbeat-wheel.ts) at no cost in memory over one set.
 */
export class SlottedSet<T> implements Iterable<T> {
  private readonly slots: Set<T>[];
  private nextSlot = 0;

  constructor(readonly slotCount: number) {
    this.slots = Array.from({ length: slotCount }, () => new Set<T>());
  }

  get size(): number {
    let size = 0;
    for (const slot of this.slots) size += slot.size;
    return size;
  }

  add(member: T): void {
    if (this.slots.some((slot) => slot.has(member))) return;
    this.slots[this.nextSlot]?.add(member);
    this.nextSlot = (this.nextSlot + 1) % this.slotCount;
  }

  delete(member: T): boolean {
    return this.slots.some((slot) => slot.delete(member));
  }

  /** The live members of one slot: iterating it while members are deleted is safe. */
  slot(index: number): ReadonlySet<T> {
    return this.slots[index % this.slotCount] as ReadonlySet<T>;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (const slot of this.slots) yield* slot;
  }
}
