// IPAM garbage collection, the apply half: carries out a GcPlan (ipam-gc.ts) with Calico's last safety checks
// (kube-controllers/pkg/controllers/node/ipam.go garbageCollectKnownLeaks, releaseUnusedBlocks, cleanupNode):
// - every confirmed leak is re-validated right before its release with a fresh (uncached) read of the pod and the node;
//   if any address of a handle turns out valid, none of the handle is released and the valid ones lose their timer;
// - addresses are released with their handle and sequence number, so the allocator's compare-and-swap on the block
//   refuses an address that was reassigned since the pass read it (reported as `mismatched`, kept);
// - an empty block is deleted only at the resourceVersion the pass saw (a concurrent allocation makes it a Conflict,
//   and the block stays), then its BlockAffinity goes;
// - a deleted node's affinities are released after its addresses (Calico's ReleaseHostAffinities).
// Failures are per item: what could not be done this pass is logged and retried by the next one.
import type { Datastore } from '../datastore';
import { DatastoreErrorCode, isDatastoreError } from '../datastore';
import type { IpamAllocator } from '../ipam';
import { isEmpty } from '../ipam/block-query';
import { affinityName, KIND_AFFINITY, KIND_BLOCK, type StoredBlock } from '../ipam/ipam-store';
import { describeError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { invalidReason, type GcAllocation, type GcPlan, type GcSnapshot, type PodLookup } from './ipam-gc';

/** Fresh reads for the re-validation (the API server, not the informer cache). */
export interface GcRevalidation {
  lookupPod(namespace: string, name: string): Promise<PodLookup>;
  kubeNodeExists(name: string): Promise<boolean>;
}

export interface GcApplyDeps {
  readonly store: Datastore;
  readonly ipam: Pick<IpamAllocator, 'releaseIps' | 'releaseHostAffinities'>;
  readonly fresh: GcRevalidation;
  readonly logger: Logger;
}

export interface GcApplyResult {
  readonly released: readonly GcAllocation[];
  /** Confirmed leaks found valid on the fresh read: the caller drops their timers. */
  readonly resurrected: readonly GcAllocation[];
  /** Released at a sequence number that no longer matched (reassigned since): kept. */
  readonly mismatched: readonly GcAllocation[];
  readonly blocksReleased: readonly string[];
  readonly nodesReleased: readonly string[];
}

async function stillLeaked(a: GcAllocation, snap: GcSnapshot, fresh: GcRevalidation): Promise<boolean> {
  const ref = a.node === '' ? ({ kind: 'none' } as const) : snap.kubeNodeOf(a.node);
  if (ref.kind === 'not-kubernetes') return false;
  const kubeNode = ref.kind === 'kubernetes' && (await fresh.kubeNodeExists(ref.name)) ? ref.name : undefined;
  const pods = new Map<string, PodLookup>();
  const ns = a.attrs['namespace'] ?? '';
  const pod = a.attrs['pod'] ?? '';
  if (ns !== '' && pod !== '') pods.set(`${ns}/${pod}`, await fresh.lookupPod(ns, pod));
  return invalidReason(a, kubeNode, (n, p) => pods.get(`${n}/${p}`) ?? 'unknown') !== undefined;
}

export async function applyGcPlan(plan: GcPlan, snap: GcSnapshot, deps: GcApplyDeps): Promise<GcApplyResult> {
  const log = deps.logger;
  const released: GcAllocation[] = [];
  const resurrected: GcAllocation[] = [];
  const mismatched: GcAllocation[] = [];
  for (const group of plan.releases) {
    const checks = await Promise.all(group.allocations.map((a) => stillLeaked(a, snap, deps.fresh).catch(() => false)));
    if (checks.some((leaked) => !leaked)) {
      resurrected.push(...group.allocations.filter((_, i) => !checks[i]));
      log.info('leaked IP has been resurrected after querying latest state; handle kept', { handle: group.handleId ?? '' });
      continue;
    }
    try {
      const byIp = new Map(group.allocations.map((a) => [a.ip, a]));
      const r = await deps.ipam.releaseIps(
        group.allocations.map((a) => ({ ip: a.ip, sequenceNumber: a.sequenceNumber, ...(a.handleId !== undefined ? { handleId: a.handleId } : {}) })),
      );
      for (const ip of [...r.released, ...r.notAllocated]) {
        const a = byIp.get(ip);
        if (a !== undefined) released.push(a);
      }
      for (const ip of r.mismatched) {
        const a = byIp.get(ip);
        if (a !== undefined) mismatched.push(a);
      }
      log.info('garbage collected leaked IP addresses', { handle: group.handleId ?? '', ips: r.released.join(','), kept: r.mismatched.join(',') });
    } catch (err) {
      log.warn('failed to garbage collect leaked IP addresses; retried next pass', { handle: group.handleId ?? '', error: describeError(err) });
    }
  }

  const blocksReleased: string[] = [];
  for (const b of plan.blockReleases) {
    if (await releaseEmptyBlock(deps.store, b, log)) blocksReleased.push(b.cidr);
  }

  const nodesReleased: string[] = [];
  for (const node of plan.nodeReleases) {
    try {
      await deps.ipam.releaseHostAffinities(node);
      nodesReleased.push(node);
    } catch (err) {
      log.warn('failed to release block affinities of a deleted node; retried next pass', { node, error: describeError(err) });
    }
  }
  return { released, resurrected, mismatched, blocksReleased, nodesReleased };
}

/** Deletes the block if it is still empty at the resourceVersion the pass saw, then its affinity (Calico ReleaseBlockAffinity(mustBeEmpty)). */
async function releaseEmptyBlock(store: Datastore, b: GcPlan['blockReleases'][number], log: Logger): Promise<boolean> {
  try {
    const current = await store.get<StoredBlock>(KIND_BLOCK, b.name);
    if (current.metadata.resourceVersion !== b.resourceVersion || !isEmpty(current.spec) || current.spec.affinity !== `host:${b.node}`) {
      log.info('empty block changed since it was seen; kept', { block: b.cidr, node: b.node });
      return false;
    }
    await store.delete(KIND_BLOCK, b.name, undefined, { resourceVersion: b.resourceVersion });
  } catch (err) {
    if (isDatastoreError(err, DatastoreErrorCode.NotFound) || isDatastoreError(err, DatastoreErrorCode.Conflict)) return false;
    log.warn('failed to release an empty block; retried next pass', { block: b.cidr, error: describeError(err) });
    return false;
  }
  try {
    await store.delete(KIND_AFFINITY, affinityName(b.node, b.cidr));
  } catch (err) {
    if (!isDatastoreError(err, DatastoreErrorCode.NotFound)) log.warn('block deleted but its affinity stays', { block: b.cidr, error: describeError(err) });
  }
  log.info('released affinity of an empty block', { block: b.cidr, node: b.node });
  return true;
}
