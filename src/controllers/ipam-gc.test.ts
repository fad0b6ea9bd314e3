import { FakeClock } from '../lib/fake-clock';
import { EMPTY_GC_STATE, reconcileIpamGc, type GcPlan, type GcSnapshot, type GcState } from './ipam-gc';
import { block, podAttrs, snapshot } from './testing/gc-fixtures';

const GRACE = 15 * 60_000;
const cfg = { leakGracePeriodMs: GRACE };

/** Runs passes at the clock's times, carrying the state like the controller does. */
function passes(clock: FakeClock, snap: () => GcSnapshot, stepsMs: readonly number[]): GcPlan[] {
  let state: GcState = EMPTY_GC_STATE;
  const out: GcPlan[] = [];
  for (const step of stepsMs) {
    clock.advance(step);
    const plan = reconcileIpamGc(snap(), state, clock.now(), cfg);
    state = plan.state;
    out.push(plan);
  }
  return out;
}

const released = (p: GcPlan | undefined): string[] => (p?.releases ?? []).flatMap((r) => r.allocations.map((a) => a.ip)).sort();

describe('reconcileIpamGc: addresses on live nodes', () => {
  it('a pod restarting on another node: its old address is a candidate, released only after the grace period', () => {
    const clock = new FakeClock();
    // web-1 had 10.0.0.2 on n1; it now runs on n2 with 10.0.1.3.
    const blocks = [block('10.0.0.0/29', 'n1', [{ ordinal: 2, handle: 'k8s-pod-network.c1', attrs: podAttrs('default', 'web-1', 'n1'), seq: 7 }])];
    const snap = (): GcSnapshot => snapshot(blocks, { nodes: ['n1', 'n2'], pods: { 'default/web-1': { nodeName: 'n2', podIPs: ['10.0.1.3'] } } });
    const [first, atGrace, after] = passes(clock, snap, [0, GRACE, 1]);
    expect(first?.candidates.map((c) => [c.allocation.ip, c.reason, c.confirmed])).toEqual([['10.0.0.2', 'pod-rescheduled', false]]);
    expect(released(first)).toEqual([]);
    expect(released(atGrace)).toEqual([]); // exactly the grace period is not "more than" it
    expect(released(after)).toEqual(['10.0.0.2']);
    // The release is guarded by the handle and the sequence number read.
    expect(after?.releases[0]?.allocations[0]).toMatchObject({ handleId: 'k8s-pod-network.c1', sequenceNumber: '7', pool: 'default-ipv4-ippool', node: 'n1' });
  });

  it('a pod that reports the address keeps it even when its node attribute is stale (issue #12257)', () => {
    const blocks = [block('10.0.0.0/29', 'n1', [{ ordinal: 2, handle: 'h', attrs: podAttrs('default', 'web-1', 'old-name') }])];
    const snap = snapshot(blocks, { nodes: ['n1', 'old-name'], pods: { 'default/web-1': { nodeName: 'n1', podIPs: ['10.0.0.2'] } } });
    expect(reconcileIpamGc(snap, EMPTY_GC_STATE, 0, cfg).candidates).toEqual([]);
  });

  it('missing pod attributes, a failed pod lookup and a pod without IP yet all mean valid, forever', () => {
    const clock = new FakeClock();
    const blocks = [
      block('10.0.0.0/29', 'n1', [
        { ordinal: 1, handle: 'no-attrs', attrs: { node: 'n1' } },
        { ordinal: 2, handle: 'no-pod', attrs: { namespace: 'default', node: 'n1' } },
        { ordinal: 3, handle: 'lookup-failed', attrs: podAttrs('default', 'flaky', 'n1') },
        { ordinal: 4, handle: 'no-ip-yet', attrs: podAttrs('default', 'starting', 'n1') },
      ]),
    ];
    const snap = (): GcSnapshot => snapshot(blocks, { nodes: ['n1'], pods: { 'default/flaky': 'unknown', 'default/starting': { nodeName: 'n1', podIPs: [] } } });
    for (const p of passes(clock, snap, [0, GRACE + 1, GRACE + 1])) {
      expect(p.candidates).toEqual([]);
      expect(p.releases).toEqual([]);
    }
  });

  it('a valid observation clears the timer: the grace period starts again', () => {
    const clock = new FakeClock();
    const blocks = [block('10.0.0.0/29', 'n1', [{ ordinal: 2, handle: 'h', attrs: podAttrs('default', 'p', 'n1') }])];
    let pods: Record<string, { nodeName: string; podIPs: string[] } | 'unknown'> = {};
    const snap = (): GcSnapshot => snapshot(blocks, { nodes: ['n1'], pods });
    let state: GcState = EMPTY_GC_STATE;
    const step = (ms: number): GcPlan => {
      clock.advance(ms);
      const plan = reconcileIpamGc(snap(), state, clock.now(), cfg);
      state = plan.state;
      return plan;
    };
    expect(step(0).candidates).toHaveLength(1);
    pods = { 'default/p': { nodeName: 'n1', podIPs: ['10.0.0.2'] } }; // the pod shows up again (informer lag)
    expect(step(GRACE / 2).candidates).toHaveLength(0);
    pods = {};
    expect(step(GRACE / 2 + 1).releases).toEqual([]); // a new candidacy, not the old one
    expect(released(step(GRACE + 1))).toEqual(['10.0.0.2']);
  });

  it('all addresses of a handle are released together or not at all', () => {
    const clock = new FakeClock();
    // A dual-address pod: one address no longer on the pod, the other still is.
    const blocks = [
      block('10.0.0.0/29', 'n1', [
        { ordinal: 2, handle: 'k8s-pod-network.c9', attrs: podAttrs('default', 'multi', 'n1') },
        { ordinal: 3, handle: 'k8s-pod-network.c9', attrs: podAttrs('default', 'multi', 'n1') },
      ]),
    ];
    const snap = (): GcSnapshot => snapshot(blocks, { nodes: ['n1'], pods: { 'default/multi': { nodeName: 'n1', podIPs: ['10.0.0.3'] } } });
    const plans = passes(clock, snap, [0, GRACE + 1]);
    expect(plans[1]?.releases).toEqual([]);
    expect(plans[1]?.candidates).toEqual([expect.objectContaining({ confirmed: true, blockedBy: 'handle-has-valid-addresses' })]);
  });

  it('an evicted pod frees its address after the grace period; grace 0 never confirms a live-node leak', () => {
    const blocks = [block('10.0.0.0/29', 'n1', [{ ordinal: 2, handle: 'h', attrs: podAttrs('default', 'ev', 'n1') }])];
    const snap = snapshot(blocks, { nodes: ['n1'], pods: { 'default/ev': { nodeName: 'n1', podIPs: ['10.0.0.2'], phase: 'Failed', reason: 'Evicted' } } });
    const first = reconcileIpamGc(snap, EMPTY_GC_STATE, 0, cfg);
    expect(first.candidates[0]?.reason).toBe('pod-evicted');
    expect(released(reconcileIpamGc(snap, first.state, GRACE + 1, cfg))).toEqual(['10.0.0.2']);
    const off = reconcileIpamGc(snap, EMPTY_GC_STATE, 0, { leakGracePeriodMs: 0 });
    expect(off.candidates).toEqual([]);
    expect(reconcileIpamGc(snap, off.state, 10 * GRACE, { leakGracePeriodMs: 0 }).releases).toEqual([]);
  });
});

describe('reconcileIpamGc: deleted nodes', () => {
  const nodeBlocks = [
    block('10.0.0.0/29', 'gone', [
      { ordinal: 0, handle: 'vxlan-tunnel-addr-gone', attrs: { node: 'gone', type: 'vxlanTunnelAddress' } },
      { ordinal: 1, handle: 'k8s-pod-network.a', attrs: podAttrs('default', 'a', 'gone') },
      { ordinal: 2, handle: 'k8s-pod-network.b', attrs: podAttrs('default', 'b', 'gone') },
    ]),
  ];

  it('a node deleted with pods: its pod addresses and tunnel address are released at once, then its affinities', () => {
    const plan = reconcileIpamGc(snapshot(nodeBlocks, { nodes: ['n1'], pods: {} }), EMPTY_GC_STATE, 0, cfg);
    expect(released(plan)).toEqual(['10.0.0.0', '10.0.0.1', '10.0.0.2']);
    expect(plan.candidates.every((c) => c.reason === 'node-deleted' && c.confirmed)).toBe(true);
    expect(plan.nodeReleases).toEqual(['gone']);
  });

  it('a node deleted while one of its pods still exists elsewhere with that address: nothing of the node is released but the dead pod', () => {
    const snap = snapshot(nodeBlocks, { nodes: ['n1'], pods: { 'default/b': { nodeName: 'n1', podIPs: ['10.0.0.2'] } } });
    const plan = reconcileIpamGc(snap, EMPTY_GC_STATE, 0, cfg);
    expect(released(plan)).toEqual(['10.0.0.1']);
    expect(plan.nodeReleases).toEqual([]); // the tunnel address and the affinity wait
  });

  it('an address of unknown source keeps a deleted node from being cleaned up; a non-Kubernetes node is never touched', () => {
    const withUnknown = [block('10.0.0.0/29', 'gone', [{ ordinal: 3, handle: 'manual', attrs: {} }])];
    const plan = reconcileIpamGc(snapshot(withUnknown, { nodes: [], pods: {} }), EMPTY_GC_STATE, 0, cfg);
    expect(plan.releases).toEqual([]);
    expect(plan.nodeReleases).toEqual([]);
    const bare = reconcileIpamGc(snapshot(nodeBlocks, { nodes: [], pods: {}, notKubernetes: ['gone'] }), EMPTY_GC_STATE, 0, cfg);
    expect(bare.releases).toEqual([]);
    expect(bare.nodeReleases).toEqual([]);
  });

  it('the Windows reserved handle is never collected', () => {
    const b = [block('10.0.0.0/29', 'n1', [{ ordinal: 0, handle: 'windows-reserved-ipam-handle', attrs: podAttrs('x', 'y', 'n1') }])];
    expect(reconcileIpamGc(snapshot(b, { nodes: ['n1'], pods: {} }), EMPTY_GC_STATE, 0, cfg).candidates).toEqual([]);
  });
});

describe('reconcileIpamGc: empty blocks', () => {
  const full = block('10.0.0.0/29', 'n1', [{ ordinal: 0, handle: 'h', attrs: podAttrs('default', 'p', 'n1') }]);
  const pods = { 'default/p': { nodeName: 'n1', podIPs: ['10.0.0.0'] } };

  it('released only after two empty observations spanning the grace period', () => {
    const clock = new FakeClock();
    const empty = block('10.0.0.8/29', 'n1', [], '42');
    const plans = passes(clock, () => snapshot([full, empty], { nodes: ['n1'], pods }), [0, GRACE, 1]);
    expect(plans[0]?.blockReleases).toEqual([]);
    expect(plans[1]?.blockReleases).toEqual([]);
    expect(plans[2]?.blockReleases).toEqual([{ cidr: '10.0.0.8/29', name: '10-0-0-8-29', node: 'n1', resourceVersion: '42' }]);
  });

  it('a block that was used in between starts again', () => {
    const empty = block('10.0.0.8/29', 'n1', []);
    const used = block('10.0.0.8/29', 'n1', [{ ordinal: 1, handle: 'h2', attrs: podAttrs('default', 'p', 'n1') }]);
    let s = reconcileIpamGc(snapshot([full, empty], { nodes: ['n1'], pods }), EMPTY_GC_STATE, 0, cfg).state;
    s = reconcileIpamGc(snapshot([full, used], { nodes: ['n1'], pods: { 'default/p': { nodeName: 'n1', podIPs: ['10.0.0.0', '10.0.0.9'] } } }), s, 1, cfg).state;
    expect(reconcileIpamGc(snapshot([full, empty], { nodes: ['n1'], pods }), s, GRACE + 2, cfg).blockReleases).toEqual([]);
  });

  it("never a node's last block, even when several are empty", () => {
    const clock = new FakeClock();
    const e1 = block('10.0.0.0/29', 'n1', []);
    const e2 = block('10.0.0.8/29', 'n1', []);
    const plans = passes(clock, () => snapshot([e1, e2], { nodes: ['n1'], pods: {} }), [0, GRACE + 1]);
    expect(plans[1]?.blockReleases.map((b) => b.cidr)).toEqual(['10.0.0.0/29']);
    const only = passes(new FakeClock(), () => snapshot([e1], { nodes: ['n1'], pods: {} }), [0, GRACE + 1]);
    expect(only[1]?.blockReleases).toEqual([]);
  });
});
