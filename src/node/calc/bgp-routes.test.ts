// BgpRoutes: the routes of the best paths kept incrementally. Only the prefixes named as changed are recomputed; a
// change of the context (pools, own blocks, subnet, service ranges) recomputes all but changes only the routes that
// differ; an unchanged route keeps its object, so the route table's change log stays empty.
import { parseCidr } from '../../lib/ip';
import { bgpRouteContext } from '../../felix/calc-routes';
import type { CalcPool } from '../../felix/calc-routes';
import { routeKey, type Route } from '../../netlink/netlink';
import { BgpRoutes, bgpRouteInput, type BestPathHops } from './bgp-routes';

const NODES = [{ name: 'n1', ipv4Address: '10.0.0.1/24' }];
const input = (pools: CalcPool[] = [{ cidr: '10.244.0.0/16' }], rejected: string[] = [], ownBlocks: string[] = []) =>
  bgpRouteInput(
    bgpRouteContext({ nodeName: 'n1', nodes: NODES, pools, blocks: ownBlocks.map((cidr) => ({ cidr, node: 'n1' })), parentInterface: 'eth0' }),
    rejected.map((r) => parseCidr(r)),
  );
const v4 = (...nextHops: string[]): BestPathHops => ({ family: 'ipv4', nextHops });
const routeOf = (b: BgpRoutes, dst: string): Route | undefined => b.routes.get(routeKey({ dst }));

describe('BgpRoutes', () => {
  it('recomputes only the prefixes it is told changed', () => {
    const best = new Map([
      ['10.244.1.0/24', v4('10.0.0.2')],
      ['10.244.2.0/24', v4('10.0.0.3')],
    ]);
    const b = new BgpRoutes();
    b.update(input(), best, 'all');
    expect(routeOf(b, '10.244.1.0/24')).toEqual({ dst: '10.244.1.0/24', gateway: '10.0.0.2', linkName: 'eth0' });
    const kept = routeOf(b, '10.244.2.0/24');
    const c = b.routes.cursor;
    best.set('10.244.1.0/24', v4('10.0.0.4'));
    best.delete('10.244.2.0/24');
    best.set('10.244.3.0/24', v4('10.0.0.5', '10.0.0.6'));
    b.update(input(), best, ['10.244.1.0/24']);
    // Not told: 10.244.2.0/24 and 10.244.3.0/24 are as before.
    expect(routeOf(b, '10.244.2.0/24')).toBe(kept);
    expect(routeOf(b, '10.244.3.0/24')).toBeUndefined();
    expect(b.routes.changesSince(c)).toEqual([routeKey({ dst: '10.244.1.0/24' })]);
    b.update(input(), best, new Set(['10.244.2.0/24', '10.244.3.0/24']));
    expect(routeOf(b, '10.244.2.0/24')).toBeUndefined();
    expect(routeOf(b, '10.244.3.0/24')).toEqual({ dst: '10.244.3.0/24', multipath: [{ gateway: '10.0.0.5', linkName: 'eth0' }, { gateway: '10.0.0.6', linkName: 'eth0' }] });
  });

  it('a prefix recomputed to the same route is no change (its object is kept)', () => {
    const best = new Map([['10.244.1.0/24', v4('10.0.0.2')]]);
    const b = new BgpRoutes();
    b.update(input(), best, 'all');
    const before = routeOf(b, '10.244.1.0/24');
    const c = b.routes.cursor;
    best.set('10.244.1.0/24', v4('10.0.0.2'));
    b.update(input(), best, ['10.244.1.0/24']);
    b.update(input(), best, 'all');
    expect(routeOf(b, '10.244.1.0/24')).toBe(before);
    expect(b.routes.changesSince(c)).toEqual([]);
  });

  it('a changed context recomputes every prefix and changes only the routes that differ', () => {
    const best = new Map([
      ['10.244.1.0/24', v4('10.0.0.2')],
      ['192.168.7.0/24', v4('10.0.0.3')],
      ['10.96.0.0/12', v4('10.0.0.2')],
      ['fd00:1::/64', { family: 'ipv6', nextHops: ['fd00::2'] } as BestPathHops],
    ]);
    const b = new BgpRoutes();
    b.update(input(), best, 'all');
    expect([...b.routes.keys()].map((k) => b.routes.get(k)?.dst).sort()).toEqual(['10.244.1.0/24', '10.96.0.0/12', '192.168.7.0/24']);
    const c = b.routes.cursor;
    // The pool turns IPIP Always, and the service range is not to be routed: nothing was said to have changed.
    b.update(input([{ cidr: '10.244.0.0/16', ipipMode: 'Always' }], ['10.96.0.0/12']), best, []);
    expect(routeOf(b, '10.244.1.0/24')).toEqual({ dst: '10.244.1.0/24', gateway: '10.0.0.2', linkName: 'tunl0', onlink: true });
    expect(routeOf(b, '10.96.0.0/12')).toBeUndefined();
    expect(new Set(b.routes.changesSince(c))).toEqual(new Set([routeKey({ dst: '10.244.1.0/24' }), routeKey({ dst: '10.96.0.0/12' })]));
    // This node's own block is routed from its workloads, never from BGP.
    b.update(input([{ cidr: '10.244.0.0/16', ipipMode: 'Always' }], ['10.96.0.0/12'], ['10.244.1.0/24']), best, []);
    expect(routeOf(b, '10.244.1.0/24')).toBeUndefined();
  });

  it('works through at most `limit` prefixes per call and returns the rest, also after a change of context', () => {
    const best = new Map(Array.from({ length: 5 }, (_, i) => [`10.245.${i}.0/24`, v4('10.0.0.2')] as const));
    const b = new BgpRoutes();
    let left = b.update(input(), best, 'all', 2);
    expect(left).toHaveLength(3);
    expect([...b.routes.keys()]).toHaveLength(2);
    left = b.update(input(), best, left, 2);
    expect(left).toHaveLength(1);
    expect([...b.routes.keys()]).toHaveLength(4);
    expect(b.update(input(), best, left, 2)).toEqual([]);
    expect([...b.routes.keys()]).toHaveLength(5);
    // A new context: every prefix again, in slices; what is returned is all that is left to do.
    const rest = b.update(input([{ cidr: '10.244.0.0/16' }, { cidr: '10.245.0.0/16', ipipMode: 'Always' }]), best, [], 3);
    expect(rest).toHaveLength(2);
    expect(b.update(input([{ cidr: '10.244.0.0/16' }, { cidr: '10.245.0.0/16', ipipMode: 'Always' }]), best, rest, 3)).toEqual([]);
    expect([...b.routes.keys()].map((k) => b.routes.get(k)?.linkName)).toEqual(['tunl0', 'tunl0', 'tunl0', 'tunl0', 'tunl0']);
  });

  it('keeps the problems of the current best paths, and forgets one once its prefix routes again', () => {
    const best = new Map([['10.244.1.0/24', v4('192.168.1.1')]]);
    const b = new BgpRoutes();
    b.update(input(), best, 'all');
    expect(b.problems().map((p) => p.key)).toEqual(['not-routing 10.244.1.0/24']);
    expect(routeOf(b, '10.244.1.0/24')).toBeUndefined();
    best.set('10.244.1.0/24', v4('10.0.0.2'));
    b.update(input(), best, ['10.244.1.0/24']);
    expect(b.problems()).toEqual([]);
    expect(routeOf(b, '10.244.1.0/24')).toBeDefined();
  });
});
