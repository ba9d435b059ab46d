/** An entry of the heap: a key and the moment it stops mattering. */
export interface Expiring {
  key: string;
  expiresAt: number;
}

/** A binary min-heap ordered by expiry, so the entry closest to expiry is found in O(1). */
export class ExpiryHeap {
  private readonly items: Expiring[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Expiring | undefined {
    return this.items[0];
  }

  push(item: Expiring): void {
    const items = this.items;
    items.push(item);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if ((items[parent] as Expiring).expiresAt <= item.expiresAt) break;
      items[index] = items[parent] as Expiring;
      index = parent;
    }
    items[index] = item;
  }

  pop(): Expiring | undefined {
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
        right < items.length &&
        (items[right] as Expiring).expiresAt < (items[left] as Expiring).expiresAt
          ? right
          : left;
      if ((items[child] as Expiring).expiresAt >= last.expiresAt) break;
      items[index] = items[child] as Expiring;
      index = child;
    }
    items[index] = last;
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }
}
