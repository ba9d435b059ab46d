/** A binary min-heap ordered by expiry, so the entry closest to expiry is found in O(1). */
export class ExpiryHeap<T extends { expiresAt: number }> {
  private items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if ((items[parent] as T).expiresAt <= item.expiresAt) break;
      items[index] = items[parent] as T;
      index = parent;
    }
    items[index] = item;
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child =
        right < items.length && (items[right] as T).expiresAt < (items[left] as T).expiresAt
          ? right
          : left;
      if ((items[child] as T).expiresAt >= last.expiresAt) break;
      items[index] = items[child] as T;
      index = child;
    }
    items[index] = last;
    return top;
  }

  /** Keeps only the entries `keep` accepts (to drop cancelled ones in one pass). */
  retain(keep: (item: T) => boolean): void {
    this.rebuild(this.items.filter(keep));
  }

  /** Replaces the content (e.g. to drop entries that no longer matter). */
  rebuild(entries: Iterable<T>): void {
    this.items = [];
    for (const entry of entries) this.push(entry);
  }
}
