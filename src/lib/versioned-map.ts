// A key/value map that remembers which keys changed, so a reader that keeps up does work in proportion to the changes,
// not to the size of the map (Felix's route table takes per-route deltas, RouteUpdate and RouteRemove, and syncs only
// the interfaces marked for a delta update, for the same reason: felix/routetable/route_table.go).
//
// Writers set and delete; every change appends its key to a change log and moves the cursor on. A reader remembers the
// cursor it last read at and asks changesSince(cursor): the keys changed since (possibly repeated; read each one's
// current value with get()), or undefined when the log no longer reaches back that far and the reader must compare
// everything. The log is dropped once it is longer than twice the map (and a minimum), so its memory stays in
// proportion to the map, and a reader that falls that far behind pays one full comparison, no more than the changes.
// No I/O, no clock.
export interface VersionedMapReader<K, V> {
  get(key: K): V | undefined;
  keys(): IterableIterator<K>;
  readonly size: number;
  /** The position after the last change. */
  readonly cursor: number;
  /** The keys changed after `cursor` (values may have changed back), or undefined: read every key. */
  changesSince(cursor: number): readonly K[] | undefined;
}

export class VersionedMap<K, V> implements VersionedMapReader<K, V> {
  private readonly map = new Map<K, V>();
  private log: K[] = [];
  /** The cursor of log[0]. */
  private base = 0;

  constructor(private readonly minLog = 1024) {}

  get size(): number {
    return this.map.size;
  }

  get cursor(): number {
    return this.base + this.log.length;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  keys(): IterableIterator<K> {
    return this.map.keys();
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }

  /** Sets `key`; a value identical (===) to the current one is no change. */
  set(key: K, value: V): void {
    if (this.map.get(key) === value && this.map.has(key)) return;
    this.map.set(key, value);
    this.changed(key);
  }

  delete(key: K): void {
    if (this.map.delete(key)) this.changed(key);
  }

  changesSince(cursor: number): readonly K[] | undefined {
    if (cursor < this.base || cursor > this.cursor) return undefined;
    return this.log.slice(cursor - this.base);
  }

  private changed(key: K): void {
    this.log.push(key);
    if (this.log.length > Math.max(this.minLog, 2 * this.map.size)) {
      this.base += this.log.length;
      this.log = [];
    }
  }
}
