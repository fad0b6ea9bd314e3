// Prometheus metrics of the controllers, with kube-controllers' names (kube-controllers/pkg/controllers/node/ipam.go
// registerMetricVectorsForPool): per pool (`ippool`) and node (`node`, `unknown_node` when an allocation names none)
// ipam_allocations_in_use, ipam_allocations_borrowed, ipam_blocks, ipam_allocations_gc_candidates (gauges, set from
// each GC pass) and ipam_allocations_gc_reclamations (counter). Calico registers one vector per pool with a constant
// label; here `ippool` is an ordinary label, which gives the same series. Served on :9094/metrics (PORTS.controllersMetrics).
import { Counter, Gauge, Registry } from 'prom-client';
import { affinityHost } from '../ipam/block-query';
import { allocationsOf, poolOf, type GcAllocation, type GcCandidate, type GcSnapshot } from './ipam-gc';

const UNKNOWN_NODE = 'unknown_node';
const NO_POOL = 'no_pool';

type Key = `${string}\u0000${string}`;
const key = (pool: string | undefined, node: string): Key => `${pool ?? NO_POOL}\u0000${node || UNKNOWN_NODE}`;

function count(items: Iterable<{ pool: string | undefined; node: string }>): Map<Key, number> {
  const m = new Map<Key, number>();
  for (const i of items) m.set(key(i.pool, i.node), (m.get(key(i.pool, i.node)) ?? 0) + 1);
  return m;
}

export class ControllersMetrics {
  readonly registry = new Registry();
  private readonly inUse: Gauge;
  private readonly borrowed: Gauge;
  private readonly blocks: Gauge;
  private readonly candidates: Gauge;
  private readonly reclamations: Counter;
  private readonly isLeader: Gauge;

  constructor() {
    const registers = [this.registry];
    const labelNames = ['ippool', 'node'];
    this.inUse = new Gauge({ name: 'ipam_allocations_in_use', help: 'IPs currently allocated in IPAM to a workload or tunnel endpoint.', labelNames, registers });
    this.borrowed = new Gauge({ name: 'ipam_allocations_borrowed', help: 'IPs currently allocated in IPAM to a workload or tunnel endpoint, where the allocation was borrowed from a block affine to another node.', labelNames, registers });
    this.blocks = new Gauge({ name: 'ipam_blocks', help: 'IPAM blocks currently allocated for the IP pool.', labelNames, registers });
    this.candidates = new Gauge({ name: 'ipam_allocations_gc_candidates', help: 'Allocations that are currently marked by the garbage collector as potential candidates to reclaim.', labelNames, registers });
    this.reclamations = new Counter({ name: 'ipam_allocations_gc_reclamations', help: 'Allocations reclaimed by the garbage collector.', labelNames, registers });
    this.isLeader = new Gauge({ name: 'gingham_controllers_leader', help: '1 while this replica holds the controllers lease.', registers });
  }

  /** Sets the gauges from one GC pass's snapshot and candidates. */
  observeIpam(snap: GcSnapshot, candidates: readonly GcCandidate[]): void {
    const allocs = allocationsOf(snap.blocks, snap.pools);
    const hostOfBlock = new Map(snap.blocks.map((b) => [b.spec.cidr, affinityHost(b.spec) ?? '']));
    set(this.inUse, count(allocs));
    set(this.borrowed, count(allocs.filter((a: GcAllocation) => a.node !== '' && hostOfBlock.get(a.block) !== a.node)));
    set(this.blocks, count(snap.blocks.map((b) => ({ pool: poolOf(snap.pools, b.spec.cidr), node: hostOfBlock.get(b.spec.cidr) ?? '' }))));
    set(this.candidates, count(candidates.map((c) => c.allocation)));
  }

  reclaimed(allocations: readonly GcAllocation[]): void {
    for (const [k, n] of count(allocations)) {
      const [ippool, node] = k.split('\u0000');
      this.reclamations.inc({ ippool, node }, n);
    }
  }

  setLeader(leader: boolean): void {
    this.isLeader.set(leader ? 1 : 0);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

function set(g: Gauge, values: ReadonlyMap<Key, number>): void {
  g.reset();
  for (const [k, n] of values) {
    const [ippool, node] = k.split('\u0000');
    g.set({ ippool, node }, n);
  }
}
