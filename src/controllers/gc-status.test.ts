import { describeBlocker, gcStatusReport } from './gc-status';
import { EMPTY_GC_STATE, reconcileIpamGc } from './ipam-gc';
import { block, podAttrs, snapshot } from './testing/gc-fixtures';

const GRACE = 60_000;
const T0 = Date.UTC(2026, 0, 1);

describe('gcStatusReport: each candidate with since when, why, and what blocks its release', () => {
  // n1: a pod gone (one address), a handle with one gone and one live address (web-2 reports only .4), an empty
  // second block; n2: its only block, empty.
  const blocks = [
    block('10.0.0.0/29', 'n1', [
      { ordinal: 2, handle: 'h-gone', attrs: podAttrs('default', 'gone', 'n1') },
      { ordinal: 3, handle: 'h-web2', attrs: podAttrs('default', 'web-2', 'n1') },
    ]),
    block('10.0.0.8/29', 'n1', [{ ordinal: 4, handle: 'h-web2', attrs: podAttrs('default', 'web-2', 'n1') }]),
    block('10.0.0.16/29', 'n1', []),
    block('10.0.0.24/29', 'n2', []),
  ];
  const snap = snapshot(blocks, { nodes: ['n1', 'n2'], pods: { 'default/web-2': { nodeName: 'n1', podIPs: ['10.0.0.12'] } } });

  it('within the grace period: the time left; the last block of a node is named as such', () => {
    const plan = reconcileIpamGc(snap, EMPTY_GC_STATE, T0, { leakGracePeriodMs: GRACE });
    const r = gcStatusReport({ at: T0 + 20_000, candidates: plan.candidates, emptyBlocks: plan.emptyBlocks }, GRACE);
    expect(r.candidates.map((c) => [c.ip, c.pod, c.reason, c.since, c.confirmed, c.blockedBy])).toEqual([
      ['10.0.0.2', 'default/gone', 'pod-not-found', '2026-01-01T00:00:00.000Z', false, { kind: 'grace-period', remainingMs: 40_001 }],
      ['10.0.0.3', 'default/web-2', 'ip-not-on-pod', '2026-01-01T00:00:00.000Z', false, { kind: 'grace-period', remainingMs: 40_001 }],
    ]);
    expect(r.emptyBlocks.map((b) => [b.block, b.node, b.blockedBy])).toEqual([
      ['10.0.0.16/29', 'n1', { kind: 'grace-period', remainingMs: 40_001 }],
      ['10.0.0.24/29', 'n2', { kind: 'last-block-of-node' }],
    ]);
    expect(describeBlocker(r.candidates[0]!.blockedBy)).toBe('grace period: 41s left');
  });

  it('after the grace period: a handle with a live address blocks; a released address leaves; a reassigned one is kept', () => {
    const first = reconcileIpamGc(snap, EMPTY_GC_STATE, T0, { leakGracePeriodMs: GRACE });
    const at = T0 + GRACE + 1;
    const plan = reconcileIpamGc(snap, first.state, at, { leakGracePeriodMs: GRACE });
    const gone = plan.candidates.find((c) => c.allocation.ip === '10.0.0.2')!.allocation;
    expect(gcStatusReport({ at, candidates: plan.candidates, emptyBlocks: plan.emptyBlocks }, GRACE).candidates.map((c) => [c.ip, c.blockedBy.kind])).toEqual([
      ['10.0.0.2', 'release-pending'],
      ['10.0.0.3', 'handle-has-valid-addresses'],
    ]);
    const released = gcStatusReport({ at, candidates: plan.candidates, emptyBlocks: plan.emptyBlocks, applied: { released: [gone], resurrected: [], mismatched: [] } }, GRACE);
    expect(released.candidates.map((c) => c.ip)).toEqual(['10.0.0.3']);
    const kept = gcStatusReport({ at, candidates: plan.candidates, emptyBlocks: plan.emptyBlocks, applied: { released: [], resurrected: [], mismatched: [gone] } }, GRACE);
    expect(kept.candidates[0]?.blockedBy).toEqual({ kind: 'sequence-number-changed' });
    // The empty non-last block of n1 was released by this pass (two observations spanning the grace period).
    expect(plan.emptyBlocks.map((b) => b.cidr)).toEqual(['10.0.0.24/29']);
  });
});
