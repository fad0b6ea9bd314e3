// One generic desired-vs-actual tracker (Calico's felix/deltatracker/delta_tracker.go): two key/value maps, what we
// want and what the dataplane holds, and the pending work between them kept up to date on every change:
//   - pending updates: keys desired whose dataplane value is missing or different (with the desired value);
//   - pending deletes: keys the dataplane holds that are not desired (with the dataplane's value).
// A reconciler sets the desired side from its calculation, loads (or patches) the dataplane side from what it reads
// back, applies the pending work, and marks each applied item so the tracker knows the dataplane now matches.
// No I/O: callers own the dataplane. Values compare with valuesEqual (default ===).
export interface DeltaTrackerOptions<V> {
  readonly valuesEqual?: (a: V, b: V) => boolean;
}

export class DeltaTracker<K, V> {
  private readonly desired = new Map<K, V>();
  private readonly dataplane = new Map<K, V>();
  private readonly updates = new Map<K, V>();
  private readonly deletes = new Map<K, V>();
  private readonly equal: (a: V, b: V) => boolean;

  constructor(opts: DeltaTrackerOptions<V> = {}) {
    this.equal = opts.valuesEqual ?? ((a, b) => a === b);
  }

  setDesired(key: K, value: V): void {
    this.desired.set(key, value);
    this.deletes.delete(key);
    const have = this.dataplane.get(key);
    if (this.dataplane.has(key) && this.equal(have as V, value)) this.updates.delete(key);
    else this.updates.set(key, value);
  }

  deleteDesired(key: K): void {
    if (!this.desired.delete(key)) return;
    this.updates.delete(key);
    if (this.dataplane.has(key)) this.deletes.set(key, this.dataplane.get(key) as V);
  }

  /** Makes the desired side exactly `entries`. */
  replaceDesired(entries: Iterable<readonly [K, V]>): void {
    const next = new Map(entries);
    for (const key of [...this.desired.keys()]) if (!next.has(key)) this.deleteDesired(key);
    for (const [key, value] of next) this.setDesired(key, value);
  }

  setDataplane(key: K, value: V): void {
    this.dataplane.set(key, value);
    if (!this.desired.has(key)) {
      this.deletes.set(key, value);
      return;
    }
    const want = this.desired.get(key) as V;
    if (this.equal(value, want)) this.updates.delete(key);
    else this.updates.set(key, want);
  }

  deleteDataplane(key: K): void {
    if (!this.dataplane.delete(key)) return;
    this.deletes.delete(key);
    if (this.desired.has(key)) this.updates.set(key, this.desired.get(key) as V);
  }

  /** Makes the dataplane side exactly `entries` (after a read of the real dataplane). */
  replaceDataplane(entries: Iterable<readonly [K, V]>): void {
    const next = new Map(entries);
    for (const key of [...this.dataplane.keys()]) if (!next.has(key)) this.deleteDataplane(key);
    for (const [key, value] of next) this.setDataplane(key, value);
  }

  getDesired(key: K): V | undefined {
    return this.desired.get(key);
  }

  getDataplane(key: K): V | undefined {
    return this.dataplane.get(key);
  }

  /** Desired entries the dataplane lacks or holds differently (a snapshot: marking items while iterating is safe). */
  pendingUpdates(): Array<[K, V]> {
    return [...this.updates];
  }

  /** Dataplane entries that are not desired, with the dataplane's value (a snapshot). */
  pendingDeletes(): Array<[K, V]> {
    return [...this.deletes];
  }

  /** The dataplane now holds the desired value of `key`. */
  markUpdated(key: K): void {
    if (this.desired.has(key)) this.setDataplane(key, this.desired.get(key) as V);
  }

  /** The dataplane no longer holds `key`. */
  markDeleted(key: K): void {
    this.deleteDataplane(key);
  }

  get inSync(): boolean {
    return this.updates.size === 0 && this.deletes.size === 0;
  }
}
