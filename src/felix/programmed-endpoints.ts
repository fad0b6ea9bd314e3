// Which of this node's endpoints have their policy in the kernel, and at which version: the "programmed endpoint"
// notification the node agent's CNI service waits on before answering ADD, so a pod never starts with traffic its
// policy would deny (Calico's CNI waits for Felix the same way, bounded by policy_setup_timeout_seconds). The policy
// dataplane records an endpoint's resourceVersion when it is set, and marks the versions it rendered as programmed
// once the kernel accepted the transaction; waiters for that endpoint at that version (or a later one) are released.
export interface ProgrammedWait {
  readonly id: string;
  readonly version: string;
  readonly resolve: (programmed: boolean) => void;
}

function asRevision(v: string): bigint | undefined {
  return /^\d+$/.test(v) ? BigInt(v) : undefined;
}

/** Whether `have` is `want` or (both being numbers, as etcd revisions are) later. */
export function versionReached(have: string | undefined, want: string): boolean {
  if (have === undefined) return false;
  const h = asRevision(have);
  const w = asRevision(want);
  return h !== undefined && w !== undefined ? h >= w : have === want;
}

export type SetTimer = (fn: () => void, ms: number) => { unref?(): void } | unknown;

export class ProgrammedEndpoints {
  private readonly known = new Map<string, string>();
  private readonly programmed = new Map<string, string>();
  private readonly waits = new Set<ProgrammedWait>();

  constructor(private readonly clearTimer: (t: unknown) => void = (t) => clearTimeout(t as NodeJS.Timeout), private readonly setTimer: SetTimer = setTimeout) {}

  /** A local endpoint was set at `version` (its resourceVersion). */
  set(id: string, version: string): void {
    this.known.set(id, version);
  }

  delete(id: string): void {
    this.known.delete(id);
    this.programmed.delete(id);
  }

  /** What the next apply renders: every local endpoint at its current version. */
  snapshot(): ReadonlyMap<string, string> {
    return new Map(this.known);
  }

  /** The kernel accepted a transaction rendered from `rendered` (a snapshot taken before rendering). */
  applied(rendered: ReadonlyMap<string, string>): void {
    for (const [id, v] of rendered) if (this.known.has(id)) this.programmed.set(id, v);
    for (const w of [...this.waits]) {
      if (versionReached(this.programmed.get(w.id), w.version)) {
        this.waits.delete(w);
        w.resolve(true);
      }
    }
  }

  /** Resolves true once endpoint `id` is programmed at `version` or later; false after timeoutMs. */
  whenProgrammed(id: string, version: string, timeoutMs: number): Promise<boolean> {
    if (versionReached(this.programmed.get(id), version)) return Promise.resolve(true);
    if (timeoutMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = this.setTimer(() => {
        this.waits.delete(w);
        resolve(false);
      }, timeoutMs);
      const w: ProgrammedWait = {
        id,
        version,
        resolve: (ok) => {
          this.clearTimer(timer);
          resolve(ok);
        },
      };
      this.waits.add(w);
    });
  }
}
