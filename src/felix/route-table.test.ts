import { FakeClock } from '../lib/fake-clock';
import { nullLogger } from '../lib/logger';
import { FakeNetlink } from '../netlink/fake';
import { GINGHAM_ROUTE_PROTOCOL, type Route, type RouteInfo } from '../netlink/netlink';
import { RouteTable } from './route-table';

const OURS = GINGHAM_ROUTE_PROTOCOL;

async function setup(): Promise<{ nl: FakeNetlink; clock: FakeClock; rt: RouteTable }> {
  const nl = new FakeNetlink();
  nl.addExistingLink('eth0', { up: true });
  await nl.addAddress('eth0', '10.0.0.12/24');
  const clock = new FakeClock();
  const rt = new RouteTable({ netlink: nl, clock, logger: nullLogger, interfaceGraceMs: 10_000, retryDelayMs: 1000, resyncIntervalMs: 90_000 });
  return { nl, clock, rt };
}

/** Lets promise callbacks run (the fake netlink resolves on microtasks). */
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

function shape(routes: RouteInfo[]): string[] {
  return routes
    .map((r) => `${r.type === 'unicast' ? '' : r.type + ' '}${r.dst}${r.gateway ? ' via ' + r.gateway : ''}${r.linkName ? ' dev ' + r.linkName : ''}${r.onlink ? ' onlink' : ''} proto ${r.protocol}`)
    .sort();
}

async function cali(nl: FakeNetlink, name: string): Promise<void> {
  await nl.createVeth({ name, peerName: `p${name.slice(4)}` });
  await nl.setLinkUp(name, true);
}

const BLACKHOLE: Route = { dst: '10.244.0.0/24', type: 'blackhole' };
const REMOTE: Route = { dst: '10.244.1.0/24', gateway: '10.0.0.15', linkName: 'eth0' };

describe('RouteTable', () => {
  it('programs the desired routes with our protocol, then has nothing to do', async () => {
    const { nl, rt } = await setup();
    await cali(nl, 'cali1234567890a');
    rt.setRoutes([BLACKHOLE, REMOTE, { dst: '10.244.0.2/32', linkName: 'cali1234567890a' }]);
    const first = await rt.apply();
    expect(first).toMatchObject({ written: 3, deleted: 0, failures: [], pending: [], resynced: true });
    expect(shape(await nl.listRoutes({ protocol: OURS }))).toEqual([
      '10.244.0.2/32 dev cali1234567890a proto 81',
      '10.244.1.0/24 via 10.0.0.15 dev eth0 proto 81',
      'blackhole 10.244.0.0/24 proto 81',
    ]);
    const calls = nl.calls.length;
    const second = await rt.apply();
    expect(second).toMatchObject({ written: 0, deleted: 0, resynced: false });
    expect(nl.calls.length).toBe(calls);
  });

  it('deletes only its own stale routes and leaves a foreign route on a wanted destination alone', async () => {
    const { nl, rt } = await setup();
    await nl.addRoute({ dst: '10.244.9.0/24', gateway: '10.0.0.1', protocol: OURS });
    await nl.addRoute({ dst: '192.168.50.0/24', gateway: '10.0.0.1', protocol: 4 });
    await nl.addRoute({ dst: '10.244.1.0/24', gateway: '10.0.0.1', protocol: 186 });
    rt.setRoutes([REMOTE]);
    const res = await rt.apply();
    expect(res.deleted).toBe(1);
    expect(res.conflicts.map((c) => [c.route.dst, c.existing.protocol])).toEqual([['10.244.1.0/24', 186]]);
    expect(shape(await nl.listRoutes({ table: 254 })).filter((r) => !r.startsWith('10.0.0.0/24'))).toEqual([
      '10.244.1.0/24 via 10.0.0.1 dev eth0 proto 186',
      '192.168.50.0/24 via 10.0.0.1 dev eth0 proto 4',
    ]);
  });

  it('replaces a route whose next hop changed (a pool switching from tunl0 onlink to direct)', async () => {
    const { nl, rt } = await setup();
    rt.setRoutes([REMOTE]);
    await rt.apply();
    rt.setRoutes([{ ...REMOTE, gateway: '10.0.0.16' }]);
    expect(await rt.apply()).toMatchObject({ written: 1, deleted: 0 });
    expect(shape(await nl.listRoutes({ protocol: OURS }))).toEqual(['10.244.1.0/24 via 10.0.0.16 dev eth0 proto 81']);
  });

  it('keeps a route pending until its link appears, then programs it on the retry timer', async () => {
    const { nl, clock, rt } = await setup();
    rt.setRoutes([{ dst: '10.244.0.7/32', linkName: 'caliabcdef12345' }]);
    const res = await rt.apply();
    expect(res.pending.map((p) => p.reason)).toEqual(['link caliabcdef12345 does not exist']);
    await cali(nl, 'caliabcdef12345');
    clock.advance(1000);
    await flush();
    expect(shape(await nl.listRoutes({ protocol: OURS }))).toEqual(['10.244.0.7/32 dev caliabcdef12345 proto 81']);
  });

  it('spares an undesired route of ours on a link that just appeared until the grace period ends', async () => {
    const { nl, clock, rt } = await setup();
    rt.setRoutes([]);
    await rt.apply();
    // The CNI plugin creates a workload's veth and its route before the datastore tells us about the workload.
    await cali(nl, 'cali0000000000a');
    await nl.addRoute({ dst: '10.244.0.9/32', linkName: 'cali0000000000a', protocol: OURS });
    rt.markResync();
    expect(await rt.apply()).toMatchObject({ deleted: 0 });
    clock.advance(5000);
    await flush();
    expect(await nl.listRoutes({ protocol: OURS })).toHaveLength(1);
    clock.advance(5000);
    await flush();
    expect(await nl.listRoutes({ protocol: OURS })).toHaveLength(0);
  });

  it('does not treat links that existed before it started as new (an agent restart deletes stale routes at once)', async () => {
    const { nl, rt } = await setup();
    await cali(nl, 'cali0000000000b');
    await nl.addRoute({ dst: '10.244.0.10/32', linkName: 'cali0000000000b', protocol: OURS });
    rt.setRoutes([]);
    expect(await rt.apply()).toMatchObject({ deleted: 1 });
  });

  it('retries a failed write once at once, and again later when it fails twice', async () => {
    const { nl, clock, rt } = await setup();
    rt.setRoutes([REMOTE]);
    nl.failNext('replaceRoute', 'EBUSY');
    expect(await rt.apply()).toMatchObject({ written: 1, failures: [] });

    rt.setRoutes([REMOTE, BLACKHOLE]);
    nl.failNext('replaceRoute', 'EPERM', 2);
    const res = await rt.apply();
    expect(res.failures.map((f) => [f.op, f.route.dst])).toEqual([['replace', '10.244.0.0/24']]);
    clock.advance(1000);
    await flush();
    expect(shape(await nl.listRoutes({ protocol: OURS }))).toContain('blackhole 10.244.0.0/24 proto 81');
  });

  it('puts back, at the periodic resync, a route deleted behind its back', async () => {
    const { nl, clock, rt } = await setup();
    rt.setRoutes([BLACKHOLE]);
    rt.start();
    await rt.apply();
    await nl.deleteRoute({ dst: '10.244.0.0/24', type: 'blackhole' });
    expect(await rt.apply()).toMatchObject({ written: 0 });
    clock.advance(90_000);
    await flush();
    expect(shape(await nl.listRoutes({ protocol: OURS }))).toEqual(['blackhole 10.244.0.0/24 proto 81']);
    rt.close();
    expect(clock.pending()).toBe(0);
  });

  it('programs ECMP routes and sees them as unchanged when the kernel reports the hops in another order', async () => {
    const { nl, rt } = await setup();
    await nl.addAddress('eth0', '10.0.1.12/24');
    rt.setRoutes([{ dst: '10.244.3.0/24', multipath: [{ gateway: '10.0.0.15', linkName: 'eth0' }, { gateway: '10.0.1.16', linkName: 'eth0' }] }]);
    expect(await rt.apply()).toMatchObject({ written: 1 });
    rt.markResync();
    expect(await rt.apply()).toMatchObject({ written: 0, resynced: true });
  });

  it('rejects a desired state with two routes for one destination', async () => {
    const { rt } = await setup();
    expect(() => rt.setRoutes([REMOTE, { ...REMOTE, gateway: '10.0.0.99' }])).toThrow(/two desired routes for 10.244.1.0\/24/);
  });
});

describe('RouteTable after a restart', () => {
  it('defers deletions (not additions) until the given time, then deletes what is still undesired', async () => {
    const { nl, clock, rt } = await setup();
    await nl.addRoute({ dst: '10.244.5.0/24', gateway: '10.0.0.15', protocol: OURS });
    rt.deferDeletesUntil(clock.now() + 30_000);
    rt.setRoutes([BLACKHOLE]);
    expect(await rt.apply()).toMatchObject({ written: 1, deleted: 0 });
    clock.advance(29_000);
    await flush();
    expect(await nl.listRoutes({ protocol: OURS })).toHaveLength(2);
    clock.advance(1_000);
    await flush();
    expect(shape(await nl.listRoutes({ protocol: OURS }))).toEqual(['blackhole 10.244.0.0/24 proto 81']);
  });
});
