// IPAM as the node agent serves it to CNI: allocations and releases planned from the agent's watch cache (ipam-view.ts)
// and written in one compare-and-swap commit per batch (datastore/atomic.ts: in etcd, one transaction holding every
// changed block and every created or deleted handle, so an address never exists without its handle nor a handle
// without its addresses). Requests that arrive while a commit is in flight queue up and go out together in the next
// one: ten pods starting at once on a node make one or two block writes, not ten read-modify-write rounds on the same
// block (fasaxc on projectcalico/cni-plugin#985: "batch up requests and do them in one datastore update").
//
// The fast path covers the common case only: addresses from blocks already affine to this node. Anything else (a
// block to claim, borrowing, a stale cache that keeps losing, an error to word) goes to the full allocator
// (allocator.ts), one request at a time, after the batch. A lost compare re-reads the touched objects and plans
// again, a bounded number of times.
import type { BlockAffinity } from '../api/kind-block-affinity';
import { blockNameForCidr, type IPAMBlockSpec } from '../api/kind-ipam-block';
import type { CalicoNode } from '../api/kind-node';
import { commitWrites, type WriteOp } from '../datastore/atomic';
import type { Datastore } from '../datastore/datastore';
import { DatastoreErrorCode, isDatastoreError } from '../datastore/errors';
import { cidrContains, parseCidr, tryParseCidr } from '../lib/ip';
import { describeError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { assignFromBlock, type AllocationOwner } from './block-assign';
import { addressAt, blockCidr, hostCidr, ipAtOrdinal } from './block-ordinals';
import { freeCount, isEmpty, ordinalsOfHandle } from './block-query';
import { releaseHandle } from './block-release';
import { assignedIps } from './ipam-block-write';
import { choosePools } from './ipam-pools';
import {
  affinityName,
  blockResource,
  handleResource,
  hostAffinity,
  KIND_AFFINITY,
  KIND_BLOCK,
  KIND_HANDLE,
  KIND_NODE,
  KIND_POOL,
  type StoredBlock,
  type StoredHandle,
  type StoredPool,
} from './ipam-store';
import type { IpamAllocator } from './allocator';
import type { AutoAssignRequest } from './ipam-types';
import { IpamView, type IpamCacheReader } from './ipam-view';

export interface NodeAssignResult {
  /** Host-prefix CIDRs. */
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
}

/** The full allocator, for what the fast path does not cover. */
export type IpamFallback = Pick<IpamAllocator, 'autoAssign' | 'releaseByHandle'>;

export interface NodeIpamDeps {
  readonly store: Datastore;
  /** The agent's watch cache; it must watch IPAMBlock, IPAMHandle, BlockAffinity, IPPool and Node. */
  readonly cache: IpamCacheReader;
  readonly fallback: IpamFallback;
  readonly log: Logger;
  /** Most requests in one commit. Default 64. */
  readonly maxBatch?: number;
  /** Plans after a lost compare before falling back. Default 3. */
  readonly maxAttempts?: number;
}

type Item =
  | { readonly kind: 'assign'; readonly req: AutoAssignRequest; readonly resolve: (r: NodeAssignResult) => void; readonly reject: (e: unknown) => void }
  | { readonly kind: 'release'; readonly handleId: string; readonly resolve: (r: NodeAssignResult) => void; readonly reject: (e: unknown) => void };

/** What one batch changes: the blocks' new specs, the handles to create and to delete, and each item's outcome. */
interface Plan {
  readonly blocks: Map<string, { readonly base: StoredBlock | undefined; spec: IPAMBlockSpec }>;
  readonly creates: StoredHandle[];
  readonly deletes: StoredHandle[];
  readonly served: Array<{ readonly item: Item; readonly result: NodeAssignResult }>;
  readonly fallback: Item[];
}

const NONE: NodeAssignResult = { ipv4: [], ipv6: [] };

export class NodeIpam {
  private readonly view: IpamView;
  private readonly queue: Item[] = [];
  private draining = false;

  constructor(private readonly deps: NodeIpamDeps) {
    this.view = new IpamView(deps.cache);
  }

  assign(req: AutoAssignRequest): Promise<NodeAssignResult> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'assign', req, resolve, reject }));
  }

  releaseByHandle(handleId: string): Promise<void> {
    return new Promise<NodeAssignResult>((resolve, reject) => this.enqueue({ kind: 'release', handleId, resolve, reject })).then(() => undefined);
  }

  /** Host-prefix CIDRs the handle holds, from the cache (no datastore request). */
  addressesOf(handleId: string): string[] {
    const h = this.view.get<StoredHandle>(KIND_HANDLE, handleId);
    if (h === undefined || h.spec.deleted) return [];
    return Object.keys(h.spec.block ?? {}).flatMap((cidr) => {
      const b = this.view.get<StoredBlock>(KIND_BLOCK, blockNameForCidr(cidr));
      if (b === undefined) return [];
      const c = blockCidr(b.spec);
      return ordinalsOfHandle(b.spec, handleId).map((o) => hostCidr(ipAtOrdinal(c, o)));
    });
  }

  private enqueue(item: Item): void {
    this.queue.push(item);
    if (this.draining) return;
    this.draining = true;
    // Let the requests of this turn of the event loop join the first batch.
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.serve(this.queue.splice(0, this.deps.maxBatch ?? 64));
    } finally {
      this.draining = false;
    }
  }

  private async serve(batch: Item[]): Promise<void> {
    let todo = batch;
    const maxAttempts = this.deps.maxAttempts ?? 3;
    const slow: Item[] = [];
    for (let attempt = 1; todo.length > 0; attempt++) {
      const plan = this.plan(todo);
      slow.push(...plan.fallback);
      todo = [];
      const ops = opsOf(plan);
      if (ops.length === 0) {
        for (const s of plan.served) s.item.resolve(s.result);
        break;
      }
      try {
        const versions = await commitWrites(this.deps.store, ops);
        this.rememberCommitted(ops, versions);
        for (const s of plan.served) s.item.resolve(s.result);
        break;
      } catch (err) {
        const items = plan.served.map((s) => s.item);
        if (!isDatastoreError(err, DatastoreErrorCode.Conflict)) {
          for (const i of items) i.reject(err);
          break;
        }
        if (attempt >= maxAttempts) {
          slow.push(...items);
          break;
        }
        this.deps.log.debug('IPAM commit lost a compare; re-reading', { attempt, error: describeError(err) });
        try {
          await this.refresh(ops);
        } catch (readErr) {
          for (const i of items) i.reject(readErr);
          break;
        }
        todo = items;
      }
    }
    for (const item of slow) await this.serveSlowly(item);
  }

  /** The full allocator, one request at a time; the cache catches up with its writes through the watch. */
  private async serveSlowly(item: Item): Promise<void> {
    try {
      if (item.kind === 'release') {
        await this.deps.fallback.releaseByHandle(item.handleId);
        item.resolve(NONE);
        return;
      }
      item.resolve(await this.deps.fallback.autoAssign({ ...item.req, intendedUse: 'Workload' }));
    } catch (err) {
      item.reject(err);
    }
  }

  private plan(items: readonly Item[]): Plan {
    const plan: Plan = { blocks: new Map(), creates: [], deletes: [], served: [], fallback: [] };
    const handled = new Set<string>();
    for (const item of items) {
      const handleId = item.kind === 'assign' ? item.req.handleId : item.handleId;
      // Two requests for one handle in a batch (the per-container lock prevents it): the second waits for the next.
      if (handled.has(handleId)) {
        plan.fallback.push(item);
        continue;
      }
      handled.add(handleId);
      const outcome = item.kind === 'assign' ? this.planAssign(plan, item.req) : this.planRelease(plan, item.handleId);
      if (outcome === undefined) plan.fallback.push(item);
      else plan.served.push({ item, result: outcome });
    }
    return plan;
  }

  private blockOf(plan: Plan, name: string): { spec: IPAMBlockSpec } | undefined {
    const planned = plan.blocks.get(name);
    if (planned !== undefined) return planned;
    const b = this.view.get<StoredBlock>(KIND_BLOCK, name);
    if (b === undefined || b.spec === undefined || b.spec.deleted) return undefined;
    const entry = { base: b, spec: b.spec };
    plan.blocks.set(name, entry);
    return entry;
  }

  /** The addresses, or undefined when the fast path cannot serve the request. Changes only `plan`. */
  private planAssign(plan: Plan, req: AutoAssignRequest): NodeAssignResult | undefined {
    const held = this.addressesOf(req.handleId);
    if (held.length > 0) return { ipv4: held.filter((c) => !c.includes(':')), ipv6: held.filter((c) => c.includes(':')) };
    if (this.view.get(KIND_HANDLE, req.handleId) !== undefined) return undefined; // a handle without addresses: the allocator sorts it out
    const owner: AllocationOwner = { handleId: req.handleId, attrs: { ...(req.attrs ?? {}) } };
    const changed = new Map<string, IPAMBlockSpec>();
    const counts: Record<string, number> = {};
    const out: { 4: string[]; 6: string[] } = { 4: [], 6: [] };
    for (const [family, num] of [[4, req.num4 ?? 0], [6, req.num6 ?? 0]] as const) {
      if (num === 0) continue;
      let need = num;
      for (const name of this.affineBlocks(req, family)) {
        if (need === 0) break;
        const entry = this.blockOf(plan, name);
        if (entry === undefined) continue;
        const spec = changed.get(name) ?? entry.spec;
        const a = assignFromBlock(spec, need, owner);
        if (a.ordinals.length === 0) continue;
        changed.set(name, a.spec);
        counts[spec.cidr] = (counts[spec.cidr] ?? 0) + a.ordinals.length;
        out[family].push(...assignedIps(spec, a).map((ip) => ip.cidr));
        need -= a.ordinals.length;
      }
      if (need > 0) return undefined;
    }
    for (const [name, spec] of changed) plan.blocks.get(name)!.spec = spec;
    plan.creates.push(handleResource(req.handleId, counts) as StoredHandle);
    return { ipv4: out[4], ipv6: out[6] };
  }

  /** Names of the node's confirmed affine blocks with free addresses, in the requested or usable pools, by CIDR. */
  private affineBlocks(req: AutoAssignRequest, family: 4 | 6): string[] {
    let pools;
    try {
      const node = this.view.get<CalicoNode>(KIND_NODE, req.hostname);
      const allPools = this.view.list<StoredPool>(KIND_POOL).filter((p) => p.spec !== undefined && tryParseCidr(p.spec.cidr) !== undefined);
      pools = choosePools(allPools, { family, host: req.hostname, ...(req.pools ? { requested: req.pools } : {}), intendedUse: req.intendedUse ?? 'Workload' }, node === undefined ? undefined : { ...(node.metadata.labels ?? {}) });
    } catch {
      return []; // the allocator words the error
    }
    const mine = hostAffinity(req.hostname);
    return this.view
      .list<StoredBlock>(KIND_BLOCK)
      .filter((b) => {
        if (b.spec === undefined || b.spec.deleted || b.spec.affinity !== mine || freeCount(b.spec) === 0) return false;
        const c = parseCidr(b.spec.cidr);
        if (c.family !== family || !pools.some((p) => cidrContains(p.cidr, c))) return false;
        const aff = this.view.get<BlockAffinity>(KIND_AFFINITY, affinityName(req.hostname, b.spec.cidr));
        return aff?.spec?.state === 'confirmed' && !aff.spec.deleted;
      })
      .map((b) => b.metadata.name);
  }

  private planRelease(plan: Plan, handleId: string): NodeAssignResult | undefined {
    const handle = this.view.get<StoredHandle>(KIND_HANDLE, handleId);
    // Without a handle, addresses recorded under its ID (a crash between writes of a non-atomic store) are still freed.
    const cidrs = handle !== undefined ? Object.keys(handle.spec.block ?? {}) : this.view.list<StoredBlock>(KIND_BLOCK).filter((b) => b.spec !== undefined && ordinalsOfHandle(b.spec, handleId).length > 0).map((b) => b.spec.cidr);
    const freed: string[] = [];
    for (const cidr of cidrs) {
      const name = blockNameForCidr(cidr);
      const entry = this.blockOf(plan, name);
      if (entry === undefined) continue;
      const r = releaseHandle(entry.spec, handleId);
      if (r.released.length === 0) continue;
      const c = blockCidr(entry.spec);
      freed.push(...r.released.map((x) => addressAt(c, x.ordinal)));
      entry.spec = r.spec;
    }
    if (handle !== undefined) {
      if (handle.metadata.resourceVersion === undefined) return undefined;
      plan.deletes.push(handle);
    }
    return { ipv4: freed.filter((a) => !a.includes(':')), ipv6: freed.filter((a) => a.includes(':')) };
  }

  private rememberCommitted(ops: readonly WriteOp[], versions: readonly string[]): void {
    ops.forEach((o, i) => {
      const rv = versions[i] ?? '';
      if (o.op === 'delete') this.view.remember(o.kind, o.name, undefined, rv);
      else this.view.remember(o.resource.kind, o.resource.metadata.name, { ...o.resource, metadata: { ...o.resource.metadata, resourceVersion: rv } });
    });
  }

  /** Re-reads what a lost commit touched, so the next plan starts from the stored state. */
  private async refresh(ops: readonly WriteOp[]): Promise<void> {
    await Promise.all(
      ops.map(async (o) => {
        const [kind, name] = o.op === 'delete' ? [o.kind, o.name] : [o.resource.kind, o.resource.metadata.name];
        try {
          this.view.remember(kind, name, await this.deps.store.get(kind, name));
        } catch (err) {
          if (!isDatastoreError(err, DatastoreErrorCode.NotFound)) throw err;
          this.view.remember(kind, name, undefined);
        }
      }),
    );
  }
}

/** The plan as writes, ordered for a store that applies them one by one: handles created, blocks, handles deleted. */
function opsOf(plan: Plan): WriteOp[] {
  const ops: WriteOp[] = plan.creates.map((h) => ({ op: 'create', resource: h }));
  for (const { base, spec } of plan.blocks.values()) {
    if (base === undefined || spec === base.spec) continue;
    const rv = base.metadata.resourceVersion ?? '';
    // An emptied block that belongs to nobody goes, as release elsewhere does; an affine one stays for the next pod.
    if (isEmpty(spec) && !spec.affinity) ops.push({ op: 'delete', kind: KIND_BLOCK, name: base.metadata.name, resourceVersion: rv });
    else ops.push({ op: 'update', resource: { ...blockResource(spec), metadata: { ...base.metadata } } });
  }
  for (const h of plan.deletes) ops.push({ op: 'delete', kind: KIND_HANDLE, name: h.metadata.name, resourceVersion: h.metadata.resourceVersion ?? '' });
  return ops;
}
