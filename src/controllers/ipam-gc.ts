// IPAM garbage collection, the decision half: a pure function from what the datastore and Kubernetes say now (and what
// the previous pass remembered) to which addresses, blocks and nodes may be released. The apply half is
// ipam-gc-apply.ts. The rules are Calico's (kube-controllers/pkg/controllers/node/ipam.go checkAllocations,
// allocationIsValid, releaseUnusedBlocks, garbageCollectKnownLeaks; ipam_allocation.go markLeak, blockReleaseTracker):
//
// - Missing data means valid: an allocation without `namespace`/`pod` attributes, a pod lookup that failed for a reason
//   other than NotFound, a pod that reports no IP yet are all valid. Allocations that are neither a pod's nor a tunnel's
//   are never released and keep their node from being cleaned up.
// - A leak on a live node is only a candidate: it is stamped with the time it was first seen invalid and confirmed once
//   it has stayed invalid for longer than leakGracePeriod (0: never confirmed). A valid observation clears the stamp.
// - The Kubernetes Node is gone: an invalid allocation is confirmed at once; when no valid (or unknown-source)
//   allocation is left, the node's tunnel addresses are confirmed too and its block affinities are released.
// - All or none per handle: a confirmed leak is released only when every allocation of its handle is confirmed.
// - An empty block is released only after two empty observations spanning leakGracePeriod, and never a node's last block.
// - Every release carries the handle and the sequence number read here, so a reassigned address is never freed
//   (the allocator compares both in the block's compare-and-swap).
//
// Beyond Calico: an allocation is identified by block, address, handle and sequence number, so a reassigned address
// starts a new candidacy instead of inheriting the old one's timer; each candidate carries the reason it is one.
import type { IPAMBlockSpec } from '../api/kind-ipam-block';
import { addressAt, blockCidr } from '../ipam/block-ordinals';
import { affinityHost, allocatedOrdinals } from '../ipam/block-query';
import { cidrContains, tryParseCidr, tryParseIp } from '../lib/ip';

/** What the controllers need of a Kubernetes Pod (Calico strips pods to this in its informer, issue #5037). */
export interface KubePod {
  readonly nodeName?: string;
  /** status.podIPs (bare addresses). */
  readonly podIPs: readonly string[];
  readonly phase?: string;
  readonly reason?: string;
}

/** A pod lookup: the pod, NotFound, or any other failure (which means "assume valid"). */
export type PodLookup = KubePod | 'not-found' | 'unknown';

/** Which Kubernetes Node a Calico node name stands for. */
export type KubeNodeRef =
  | { readonly kind: 'kubernetes'; readonly name: string }
  /** No Kubernetes Node is known for it (KDD: the Node is gone; etcd: no Calico Node with a k8s orchRef left). */
  | { readonly kind: 'none' }
  /** A Calico node that is not a Kubernetes node (etcd mode, no k8s orchRef): never cleaned up. */
  | { readonly kind: 'not-kubernetes' };

export interface GcBlock {
  readonly name: string;
  readonly resourceVersion: string | undefined;
  readonly spec: IPAMBlockSpec;
}

export interface GcPool {
  readonly name: string;
  readonly cidr: string;
}

/** Everything one pass reads. Functions are reads of caches the caller filled; they must not do I/O. */
export interface GcSnapshot {
  readonly blocks: readonly GcBlock[];
  readonly pools: readonly GcPool[];
  readonly kubeNodeOf: (calicoNode: string) => KubeNodeRef;
  readonly kubeNodeExists: (kubeNode: string) => boolean;
  readonly lookupPod: (namespace: string, name: string) => PodLookup;
}

export interface GcConfig {
  /** ms; 0 disables confirming leaks on live nodes and empty-block release (deleted nodes are still cleaned). */
  readonly leakGracePeriodMs: number;
}

/** Calico's default leakGracePeriod (KubeControllersConfiguration controllers.node.leakGracePeriod). */
export const DEFAULT_LEAK_GRACE_PERIOD_MS = 15 * 60_000;

/** The handle Calico reserves for Windows' addresses (libcalico-go ipam.WindowsReservedHandle): never collected. */
export const WINDOWS_RESERVED_HANDLE = 'windows-reserved-ipam-handle';

/** Allocation attribute `type` values of node tunnel addresses (libcalico-go ipam AttributeType*; Gingham's tunnel-addr.ts). */
const TUNNEL_TYPES = new Set(['ipipTunnelAddress', 'vxlanTunnelAddress', 'vxlanV6TunnelAddress', 'wireguardTunnelAddress', 'wireguardV6TunnelAddress']);

export interface GcAllocation {
  /** block|address|handle|sequence: unique per assignment. */
  readonly id: string;
  readonly ip: string;
  readonly block: string;
  readonly pool: string | undefined;
  readonly handleId: string | undefined;
  readonly sequenceNumber: string;
  readonly attrs: Readonly<Record<string, string>>;
  /** The Calico node the allocation belongs to (attribute `node`, else the block's affinity); '' when neither. */
  readonly node: string;
}

export type LeakReason = 'pod-not-found' | 'pod-rescheduled' | 'pod-evicted' | 'ip-not-on-pod' | 'node-deleted';

export interface GcCandidate {
  readonly allocation: GcAllocation;
  /** ms since the epoch when first seen invalid. */
  readonly since: number;
  readonly reason: LeakReason;
  readonly confirmed: boolean;
  /** Why a confirmed leak is not released this pass. */
  readonly blockedBy?: 'handle-has-valid-addresses';
}

export interface GcState {
  /** Allocation id -> when first seen invalid. */
  readonly leakedAt: ReadonlyMap<string, number>;
  /** Block CIDR -> when first seen empty. */
  readonly emptySince: ReadonlyMap<string, number>;
}

export const EMPTY_GC_STATE: GcState = { leakedAt: new Map(), emptySince: new Map() };

export interface GcPlan {
  readonly state: GcState;
  readonly candidates: readonly GcCandidate[];
  /** Confirmed leaks to release, one entry per handle (all of the handle's addresses). */
  readonly releases: ReadonlyArray<{ readonly handleId: string | undefined; readonly allocations: readonly GcAllocation[] }>;
  /** Empty blocks whose affinity may go (the block is deleted if it is still at this resourceVersion and empty). */
  readonly blockReleases: ReadonlyArray<{ readonly cidr: string; readonly name: string; readonly node: string; readonly resourceVersion: string | undefined }>;
  /** Calico nodes gone from Kubernetes with nothing valid left: release their block affinities. */
  readonly nodeReleases: readonly string[];
  /** Empty blocks seen by this pass and not released by it, with what keeps them (for `ipam gc status`). */
  readonly emptyBlocks: readonly GcEmptyBlock[];
}

export interface GcEmptyBlock {
  readonly cidr: string;
  readonly node: string;
  /** ms since the epoch when first seen empty. */
  readonly since: number;
  /** grace-period: not empty for longer than leakGracePeriod yet; last-block: the node's last block is never released. */
  readonly blockedBy: 'grace-period' | 'last-block';
}

export const isPodAllocation = (a: Pick<GcAllocation, 'attrs'>): boolean => !!a.attrs['namespace'] && !!a.attrs['pod'];
export const isTunnelAllocation = (a: Pick<GcAllocation, 'attrs'>): boolean => TUNNEL_TYPES.has(a.attrs['type'] ?? '');

/** The pool a block belongs to (metrics' `ippool` label). */
export function poolOf(pools: readonly GcPool[], blockCidrText: string): string | undefined {
  const c = tryParseCidr(blockCidrText);
  if (c === undefined) return undefined;
  return pools.find((p) => {
    const pc = tryParseCidr(p.cidr);
    return pc !== undefined && pc.family === c.family && cidrContains(pc, c);
  })?.name;
}

/** Every allocation of every block, with the identity and the guard a release needs. */
export function allocationsOf(blocks: readonly GcBlock[], pools: readonly GcPool[]): GcAllocation[] {
  const out: GcAllocation[] = [];
  for (const b of blocks) {
    const cidr = blockCidr(b.spec);
    const pool = poolOf(pools, b.spec.cidr);
    for (const o of allocatedOrdinals(b.spec)) {
      const ip = addressAt(cidr, o.ordinal);
      const seq = o.sequenceNumber.toString();
      out.push({
        id: `${b.spec.cidr}|${ip}|${o.handleId ?? ''}|${seq}`,
        ip,
        block: b.spec.cidr,
        pool,
        handleId: o.handleId,
        sequenceNumber: seq,
        attrs: o.attrs,
        node: o.attrs['node'] || affinityHost(b.spec) || '',
      });
    }
  }
  return out;
}

/**
 * Calico's allocationIsValid. Returns undefined when valid, else why not. `kubeNodeGone` is the Kubernetes side of the
 * allocation's node (tunnel addresses are valid exactly while it exists).
 */
export function invalidReason(a: GcAllocation, kubeNode: string | undefined, lookupPod: GcSnapshot['lookupPod']): LeakReason | undefined {
  if (isTunnelAllocation(a)) return kubeNode !== undefined ? undefined : 'node-deleted';
  if (!isPodAllocation(a)) return undefined; // missing metadata: cannot confirm or deny, assume valid
  const pod = lookupPod(a.attrs['namespace'] ?? '', a.attrs['pod'] ?? '');
  if (pod === 'unknown') return undefined;
  if (pod === 'not-found') return 'pod-not-found';
  if (pod.nodeName && kubeNode && pod.nodeName !== kubeNode) {
    // Calico frees the address of a pod rescheduled elsewhere; issue #12257 shows a stale node attribute freeing a
    // live address that way, so (PR #13538) a pod that reports this very address keeps it whatever the node says.
    if (!podHasIp(pod, a.ip)) return 'pod-rescheduled';
    return undefined;
  }
  if (pod.podIPs.length === 0) return undefined; // no IP reported yet
  if (pod.phase === 'Failed' && pod.reason === 'Evicted') return 'pod-evicted';
  return podHasIp(pod, a.ip) ? undefined : 'ip-not-on-pod';
}

function podHasIp(pod: KubePod, ip: string): boolean {
  const want = tryParseIp(ip);
  if (want === undefined) return true; // unparsable: assume valid
  return pod.podIPs.some((p) => {
    const got = tryParseIp(p);
    return got === undefined || (got.family === want.family && got.value === want.value);
  });
}

function kubeNodeName(ref: KubeNodeRef, exists: (n: string) => boolean): string | undefined {
  return ref.kind === 'kubernetes' && exists(ref.name) ? ref.name : undefined;
}

/** One pass of Calico's syncIPAM decisions (checkAllocations, the handle rule, releaseUnusedBlocks). */
export function reconcileIpamGc(snap: GcSnapshot, prev: GcState, now: number, cfg: GcConfig): GcPlan {
  const grace = cfg.leakGracePeriodMs;
  const allocations = allocationsOf(snap.blocks, snap.pools);
  const byNode = new Map<string, GcAllocation[]>();
  const blocksByNode = new Map<string, GcBlock[]>();
  for (const b of snap.blocks) {
    const host = affinityHost(b.spec);
    if (host === undefined) continue;
    byNode.set(host, byNode.get(host) ?? []);
    blocksByNode.set(host, [...(blocksByNode.get(host) ?? []), b]);
  }
  for (const a of allocations) byNode.set(a.node, [...(byNode.get(a.node) ?? []), a]);

  const leakedAt = new Map<string, number>();
  const candidates = new Map<string, GcCandidate>();
  const nodeReleases: string[] = [];
  const undecided = new Set<string>(); // allocation ids whose node could not be looked at: their handle is not released

  for (const [cnode, allocs] of byNode) {
    const ref = cnode === '' ? ({ kind: 'none' } as const) : snap.kubeNodeOf(cnode);
    if (ref.kind === 'not-kubernetes') {
      for (const a of allocs) undecided.add(a.id);
      continue;
    }
    const kubeNode = kubeNodeName(ref, snap.kubeNodeExists);
    let canDelete = true;
    const tunnels: GcAllocation[] = [];
    for (const a of allocs) {
      if (a.handleId === WINDOWS_RESERVED_HANDLE) continue;
      if (!isPodAllocation(a) && !isTunnelAllocation(a)) {
        canDelete = false; // unknown source: released by whoever made it, never by GC
        undecided.add(a.id);
        continue;
      }
      if (isTunnelAllocation(a)) {
        tunnels.push(a);
        continue;
      }
      const reason = invalidReason(a, kubeNode, snap.lookupPod);
      if (reason === undefined) {
        canDelete = false;
        continue; // valid: any previous stamp is dropped by not copying it
      }
      const since = prev.leakedAt.get(a.id) ?? now;
      if (kubeNode === undefined) {
        leakedAt.set(a.id, since);
        candidates.set(a.id, { allocation: a, since, reason: 'node-deleted', confirmed: true });
      } else if (grace > 0) {
        leakedAt.set(a.id, since);
        candidates.set(a.id, { allocation: a, since, reason, confirmed: now - since > grace });
      }
    }
    if (kubeNode !== undefined) {
      for (const t of tunnels) undecided.add(t.id);
      continue;
    }
    if (!canDelete) {
      for (const t of tunnels) undecided.add(t.id);
      continue;
    }
    for (const t of tunnels) {
      const since = prev.leakedAt.get(t.id) ?? now;
      leakedAt.set(t.id, since);
      candidates.set(t.id, { allocation: t, since, reason: 'node-deleted', confirmed: true });
    }
    if (cnode !== '') nodeReleases.push(cnode);
  }

  // All or none per handle (Calico handleTracker.isConfirmedLeak): every address of the handle must be confirmed.
  const handleOk = new Map<string, boolean>();
  for (const a of allocations) {
    if (a.handleId === undefined) continue;
    const ok = candidates.get(a.id)?.confirmed === true && !undecided.has(a.id);
    handleOk.set(a.handleId, (handleOk.get(a.handleId) ?? true) && ok);
  }
  const groups = new Map<string, GcAllocation[]>();
  for (const c of candidates.values()) {
    if (!c.confirmed) continue;
    const a = c.allocation;
    if (a.handleId !== undefined && handleOk.get(a.handleId) !== true) {
      candidates.set(a.id, { ...c, blockedBy: 'handle-has-valid-addresses' });
      continue;
    }
    const key = a.handleId ?? `(no handle) ${a.id}`;
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  const releases = [...groups.values()].map((g) => ({ handleId: g[0]?.handleId, allocations: g }));

  // Empty blocks (releaseUnusedBlocks + blockReleaseTracker): two observations spanning the grace period, never the last.
  const emptySince = new Map<string, number>();
  const blockReleases: Array<{ cidr: string; name: string; node: string; resourceVersion: string | undefined }> = [];
  const emptyBlocks: GcEmptyBlock[] = [];
  if (grace > 0) {
    for (const [node, blocks] of blocksByNode) {
      if (nodeReleases.includes(node)) continue; // the node's whole affinity set goes below
      let remaining = blocks.length;
      for (const b of blocks) {
        if (allocatedOrdinals(b.spec).length > 0) continue;
        const first = prev.emptySince.get(b.spec.cidr);
        emptySince.set(b.spec.cidr, first ?? now);
        if (remaining <= 1 || first === undefined || now - first <= grace) {
          emptyBlocks.push({ cidr: b.spec.cidr, node, since: first ?? now, blockedBy: remaining <= 1 ? 'last-block' : 'grace-period' });
          continue;
        }
        blockReleases.push({ cidr: b.spec.cidr, name: b.name, node, resourceVersion: b.resourceVersion });
        remaining--;
      }
    }
  }
  return { state: { leakedAt, emptySince }, candidates: [...candidates.values()], releases, blockReleases, nodeReleases, emptyBlocks };
}

/** The pool a CIDR or address belongs to (metrics' `ippool` label). */
export function poolOfAddress(pools: readonly GcPool[], ip: string): string | undefined {
  const addr = tryParseIp(ip);
  if (addr === undefined) return undefined;
  return pools.find((p) => {
    const c = tryParseCidr(p.cidr);
    return c !== undefined && c.family === addr.family && cidrContains(c, addr);
  })?.name;
}
