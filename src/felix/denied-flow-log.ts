// The denied-flow log: nflog packets (logged by the rules denial-log.ts puts before denials) in, JSON lines out.
// Each packet is resolved at once (its prefix is a RuleRef id, rule-ref.ts; its addresses are looked up among the
// workload endpoints) and queued; a single writer drains the queue into a size-capped file (rotating-file.ts). The
// queue is bounded: when the writer falls behind, new entries are dropped and counted, never buffered without end,
// and nothing here ever waits on the disk while reading the socket. The kernel's per-rule rate limit bounds what
// arrives in the first place; this bound is the second line.
import type { NflogPacket } from '../netlink/nflog-codec';
import type { RuleRef } from './rules/ir';
import { summarizePacket } from './packet-summary';
import type { RotatingFile } from './rotating-file';

/** A workload endpoint's identity, for an address. */
export interface EndpointIdentity {
  readonly namespace: string;
  readonly pod: string;
}

/** One line of the log. */
export interface DeniedFlow {
  readonly time: string;
  readonly action: 'deny';
  /** True for a staged policy's would-be denial (the packet was not dropped by it). */
  readonly staged: boolean;
  readonly tier: string;
  readonly policy: string;
  readonly rule: number | 'end-of-tier';
  readonly direction: 'ingress' | 'egress';
  readonly protocol: string;
  readonly srcIp: string;
  readonly srcPort?: number;
  readonly srcNamespace?: string;
  readonly srcPod?: string;
  readonly dstIp: string;
  readonly dstPort?: number;
  readonly dstNamespace?: string;
  readonly dstPod?: string;
}

export interface DeniedFlowLogDeps {
  readonly file: Pick<RotatingFile, 'append'>;
  /** The RuleRef an nflog prefix names; undefined for a prefix that is not Gingham's. */
  readonly resolveRef: (prefix: string) => RuleRef | undefined;
  readonly endpointOf: (ip: string) => EndpointIdentity | undefined;
  readonly now: () => number;
  /** Entries held while the writer is busy (default 10000). */
  readonly queueLimit?: number;
  /** Entries per write (default 1000). */
  readonly batch?: number;
  readonly onWriteError?: (err: unknown) => void;
}

export interface DeniedFlowLogStats {
  readonly logged: number;
  readonly written: number;
  /** Entries dropped because the queue was full. */
  readonly dropped: number;
  /** Packets whose prefix or header was not understood. */
  readonly ignored: number;
  readonly writeErrors: number;
}

export class DeniedFlowLog {
  private queue: DeniedFlow[] = [];
  private writing: Promise<void> | undefined;
  private counts = { logged: 0, written: 0, dropped: 0, ignored: 0, writeErrors: 0 };

  constructor(private readonly deps: DeniedFlowLogDeps) {}

  stats(): DeniedFlowLogStats {
    return { ...this.counts };
  }

  /** The entry of one logged packet, or undefined when it is not one of Gingham's denials. */
  entry(p: NflogPacket): DeniedFlow | undefined {
    const ref = this.deps.resolveRef(p.prefix);
    const pkt = summarizePacket(p.payload);
    if (!ref || !pkt) return undefined;
    const src = this.deps.endpointOf(pkt.srcIp);
    const dst = this.deps.endpointOf(pkt.dstIp);
    return {
      time: new Date(this.deps.now()).toISOString(),
      action: 'deny',
      staged: ref.staged === true,
      tier: ref.tier,
      policy: ref.policy,
      rule: ref.rule,
      direction: ref.direction,
      protocol: pkt.protocol,
      srcIp: pkt.srcIp,
      ...(pkt.srcPort !== undefined ? { srcPort: pkt.srcPort } : {}),
      ...(src ? { srcNamespace: src.namespace, srcPod: src.pod } : {}),
      dstIp: pkt.dstIp,
      ...(pkt.dstPort !== undefined ? { dstPort: pkt.dstPort } : {}),
      ...(dst ? { dstNamespace: dst.namespace, dstPod: dst.pod } : {}),
    };
  }

  /** Takes one packet from the nflog socket: resolved and queued, or dropped and counted; never waits. */
  onPacket(p: NflogPacket): void {
    const e = this.entry(p);
    if (!e) {
      this.counts.ignored++;
      return;
    }
    if (this.queue.length >= (this.deps.queueLimit ?? 10_000)) {
      this.counts.dropped++;
      return;
    }
    this.counts.logged++;
    this.queue.push(e);
    this.writing ??= this.drain();
  }

  /** Resolves when everything queued so far is written (or failed). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    // Let the socket's burst be queued first: one write per burst, not per packet.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.deps.batch ?? 1000);
        try {
          await this.deps.file.append(batch.map((e) => JSON.stringify(e)).join('\n') + '\n');
          this.counts.written += batch.length;
        } catch (err) {
          this.counts.writeErrors++;
          this.deps.onWriteError?.(err);
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}
