// `gingham ipam gc status`: what the last garbage-collection pass left as leak candidates and empty blocks, with since
// when, why, and what blocks the release (the visibility asked for in projectcalico/calico#7839, #8643, #5339). Built
// from the pass's own plan and apply result (ipam-gc.ts, ipam-gc-apply.ts): one calculation, no second opinion. The
// leader serves it as JSON on /gc-status (health and metrics ports); the CLI reads it from there, because "since when"
// lives only in the leader's memory, as in kube-controllers.
import type { GcApplyResult } from './ipam-gc-apply';
import type { GcCandidate, GcEmptyBlock, LeakReason } from './ipam-gc';

/** Where the leader serves the last GC pass's report, on the metrics and health ports (controllers/run.ts). */
export const GC_STATUS_PATH = '/gc-status';

export type GcBlocker =
  /** A live node's leak: confirmed once invalid for longer than leakGracePeriod. */
  | { readonly kind: 'grace-period'; readonly remainingMs: number }
  /** Another address of the same handle is still valid (all or none per handle). */
  | { readonly kind: 'handle-has-valid-addresses' }
  /** Confirmed: re-validated against a fresh read and released at the next pass (or the last attempt failed). */
  | { readonly kind: 'release-pending' }
  /** The release found another sequence number: the address was reassigned, so it was kept. */
  | { readonly kind: 'sequence-number-changed' };

export interface GcStatusCandidate {
  readonly ip: string;
  readonly block: string;
  readonly pool?: string;
  readonly node: string;
  readonly handle?: string;
  /** namespace/pod from the allocation's attributes, when it has them. */
  readonly pod?: string;
  readonly reason: LeakReason;
  /** ISO time first seen invalid. */
  readonly since: string;
  readonly confirmed: boolean;
  readonly blockedBy: GcBlocker;
}

export interface GcStatusBlock {
  readonly block: string;
  readonly node: string;
  /** ISO time first seen empty. */
  readonly emptySince: string;
  readonly blockedBy: { readonly kind: 'grace-period'; readonly remainingMs: number } | { readonly kind: 'last-block-of-node' };
}

export interface GcStatusReport {
  readonly leader: true;
  /** ISO time of the pass this describes. */
  readonly passAt: string;
  readonly leakGracePeriodMs: number;
  readonly candidates: readonly GcStatusCandidate[];
  readonly emptyBlocks: readonly GcStatusBlock[];
}

/** The answer of a replica that does not lead (it runs no pass, so it knows nothing). */
export interface GcStatusNotLeader {
  readonly leader: false;
  readonly identity: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();
/** Confirmation needs now - since > grace, so the first confirming pass is at since + grace + 1 ms. */
const remaining = (since: number, grace: number, now: number): number => Math.max(0, since + grace + 1 - now);

/** The report of one pass: its candidates (minus what it released or found valid again) and the empty blocks it kept. */
export function gcStatusReport(
  pass: { readonly at: number; readonly candidates: readonly GcCandidate[]; readonly emptyBlocks: readonly GcEmptyBlock[]; readonly applied?: Pick<GcApplyResult, 'released' | 'resurrected' | 'mismatched'> },
  leakGracePeriodMs: number,
): GcStatusReport {
  const gone = new Set([...(pass.applied?.released ?? []), ...(pass.applied?.resurrected ?? [])].map((a) => a.id));
  const mismatched = new Set((pass.applied?.mismatched ?? []).map((a) => a.id));
  const candidates = pass.candidates
    .filter((c) => !gone.has(c.allocation.id))
    .map((c): GcStatusCandidate => {
      const a = c.allocation;
      const ns = a.attrs['namespace'];
      const pod = a.attrs['pod'];
      const blockedBy: GcBlocker = !c.confirmed
        ? { kind: 'grace-period', remainingMs: remaining(c.since, leakGracePeriodMs, pass.at) }
        : c.blockedBy === 'handle-has-valid-addresses'
          ? { kind: 'handle-has-valid-addresses' }
          : mismatched.has(a.id)
            ? { kind: 'sequence-number-changed' }
            : { kind: 'release-pending' };
      return {
        ip: a.ip,
        block: a.block,
        ...(a.pool !== undefined ? { pool: a.pool } : {}),
        node: a.node,
        ...(a.handleId !== undefined ? { handle: a.handleId } : {}),
        ...(ns && pod ? { pod: `${ns}/${pod}` } : {}),
        reason: c.reason,
        since: iso(c.since),
        confirmed: c.confirmed,
        blockedBy,
      };
    })
    .sort((x, y) => (x.since < y.since ? -1 : x.since > y.since ? 1 : x.ip < y.ip ? -1 : x.ip > y.ip ? 1 : 0));
  const emptyBlocks = pass.emptyBlocks.map(
    (b): GcStatusBlock => ({
      block: b.cidr,
      node: b.node,
      emptySince: iso(b.since),
      blockedBy: b.blockedBy === 'last-block' ? { kind: 'last-block-of-node' } : { kind: 'grace-period', remainingMs: remaining(b.since, leakGracePeriodMs, pass.at) },
    }),
  );
  return { leader: true, passAt: iso(pass.at), leakGracePeriodMs, candidates, emptyBlocks };
}

const REASONS: Readonly<Record<LeakReason, string>> = {
  'pod-not-found': 'pod not found',
  'pod-rescheduled': 'pod runs on another node without this address',
  'pod-evicted': 'pod evicted',
  'ip-not-on-pod': 'pod does not report this address',
  'node-deleted': 'node deleted',
};

function duration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

export function describeBlocker(b: GcBlocker | GcStatusBlock['blockedBy']): string {
  switch (b.kind) {
    case 'grace-period':
      return `grace period: ${duration(b.remainingMs)} left`;
    case 'handle-has-valid-addresses':
      return 'another address of its handle is still in use';
    case 'release-pending':
      return 'confirmed: re-validated and released at the next pass';
    case 'sequence-number-changed':
      return 'address reassigned meanwhile (sequence number changed): kept';
    case 'last-block-of-node':
      return "the node's last block is never released";
  }
}

export const describeReason = (r: LeakReason): string => REASONS[r];
