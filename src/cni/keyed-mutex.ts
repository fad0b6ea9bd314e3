// Calls with the same key run one at a time, in arrival order; different keys run concurrently. The agent serialises
// a container's CNI calls by container ID with it (Antrea's containerAccessArbitrator,
// antrea-io/antrea:pkg/agent/cniserver/server.go), and the node's IPAM calls with one key, an in-process queue in
// place of the host lock file and its 10 ms poll (src/cni/host-lock.ts, Calico's /var/run/calico/ipam.lock).
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = before.then(() => mine);
    this.tails.set(key, tail);
    await before;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with a call running or queued (for tests and the status API). */
  get busyKeys(): number {
    return this.tails.size;
  }
}
