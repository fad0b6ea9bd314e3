// The route table's incremental path: only the keys that changed are compared (dirty keys, and the source's change
// log), a change arriving during an apply is not lost, a failure keeps the kernel's previous state and is retried,
// and the full resync still corrects drift the incremental path cannot see. FakeNetlink and a fake clock.
import { FakeClock } from '../lib/fake-clock';
import { nullLogger } from '../lib/logger';
import { VersionedMap } from '../lib/versioned-map';
import { FakeNetlink } from '../netlink/fake';
import { GINGHAM_ROUTE_PROTOCOL, describeRoute, routeKey, type Route } from '../netlink/netlink';
import { RouteTable } from './route-table';

async function setup(): Promise<{ nl: FakeNetlink; clock: FakeClock; rt: RouteTable; source: VersionedMap<string, Route> }> {
  const nl = new FakeNetlink();
  nl.addExistingLink('eth0', { up: true });
  await nl.addAddress('eth0', '10.0.0.12/24');
  const clock = new FakeClock();
  const rt = new RouteTable({ netlink: nl, clock, logger: nullLogger, retryDelayMs: 1000, resyncIntervalMs: 90_000 });
  const source = new VersionedMap<string, Route>();
  rt.setSource(source);
  return { nl, clock, rt, source };
}

const bgp = (i: number, gateway = '10.0.0.15'): Route => ({ dst: `172.16.${i >> 8}.${i & 255}/32`, gateway, linkName: 'eth0' });
const put = (source: VersionedMap<string, Route>, r: Route): void => source.set(routeKey(r), r);
const ours = async (nl: FakeNetlink): Promise<string[]> => (await nl.listRoutes({ protocol: GINGHAM_ROUTE_PROTOCOL })).map(describeRoute).map((r) => r.replace(/ proto \d+| metric \d+/g, ''));

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('RouteTable, incrementally', () => {
  it('compares only the keys that changed: one pod route or one best path, not the whole table', async () => {
    const { nl, rt, source } = await setup();
    for (let i = 0; i < 500; i++) put(source, bgp(i));
    const first = await rt.apply();
    expect(first).toMatchObject({ written: 500, resynced: true });
    expect(first.examined).toBeGreaterThanOrEqual(500);

    await nl.createVeth({ name: 'cali1', peerName: 'p1' });
    await nl.setLinkUp('cali1', true);
    rt.setRoutes([{ dst: '10.244.0.2/32', linkName: 'cali1' }]);
    expect(await rt.apply()).toMatchObject({ written: 1, deleted: 0, examined: 1, resynced: false });

    put(source, bgp(7, '10.0.0.16'));
    source.delete(routeKey(bgp(8)));
    expect(await rt.apply()).toMatchObject({ written: 1, deleted: 1, examined: 2 });
    // The same small set again, and no source change: nothing to compare.
    rt.setRoutes([{ dst: '10.244.0.2/32', linkName: 'cali1' }]);
    expect(await rt.apply()).toMatchObject({ written: 0, examined: 0 });
    expect(await ours(nl)).toContain('172.16.0.7/32 via 10.0.0.16 dev eth0');
    expect(await ours(nl)).not.toContain('172.16.0.8/32 via 10.0.0.15 dev eth0');
  });

  it('a change arriving while an apply writes is kept for the next apply (coalesced), not lost or half applied', async () => {
    const { nl, rt, source } = await setup();
    put(source, bgp(1));
    const release = nl.holdRouteBatches();
    let done = false;
    const running = rt.apply().finally(() => (done = true));
    await flush();
    expect(done).toBe(false);
    // Meanwhile: a new route, and a changed one.
    put(source, bgp(2));
    rt.setRoutes([{ dst: '10.244.0.0/24', type: 'blackhole' }]);
    const coalesced = rt.apply();
    release();
    const [a, b] = await Promise.all([running, coalesced]);
    // Both callers get the later run's result, which compared the two changed keys only.
    expect(b).toBe(a);
    expect(a).toMatchObject({ written: 2, examined: 2, resynced: false });
    expect((await ours(nl)).sort()).toEqual(['172.16.0.1/32 via 10.0.0.15 dev eth0', '172.16.0.2/32 via 10.0.0.15 dev eth0', 'blackhole 10.244.0.0/24']);
  });

  it('a write refused twice keeps the kernel as it was, is reported as a typed failure, and is retried with a re-read', async () => {
    const { nl, clock, rt, source } = await setup();
    put(source, bgp(1));
    await rt.apply();
    put(source, bgp(1, '10.0.0.16'));
    nl.failNext('replaceRoute', 'EPERM', 2);
    const failed = await rt.apply();
    expect(failed.failures.map((f) => [f.op, f.route.dst, f.error.name])).toEqual([['replace', '172.16.0.1/32', 'NetlinkError']]);
    expect(await ours(nl)).toEqual(['172.16.0.1/32 via 10.0.0.15 dev eth0']);
    const retried = jest.spyOn(nl, 'listRoutes');
    clock.advance(1000);
    await flush();
    expect(retried).toHaveBeenCalled();
    expect(await ours(nl)).toEqual(['172.16.0.1/32 via 10.0.0.16 dev eth0']);
  });

  it('the periodic full resync corrects drift the change log cannot see (a route deleted or changed by hand)', async () => {
    const { nl, clock, rt, source } = await setup();
    for (let i = 0; i < 3; i++) put(source, bgp(i));
    rt.start();
    await rt.apply();
    await nl.deleteRoute({ dst: '172.16.0.0/32' });
    await nl.replaceRoute({ ...bgp(1, '10.0.0.99'), protocol: GINGHAM_ROUTE_PROTOCOL });
    expect(await rt.apply()).toMatchObject({ written: 0, examined: 0 });
    clock.advance(90_000);
    await flush();
    expect((await ours(nl)).sort()).toEqual(['172.16.0.0/32 via 10.0.0.15 dev eth0', '172.16.0.1/32 via 10.0.0.15 dev eth0', '172.16.0.2/32 via 10.0.0.15 dev eth0']);
    rt.close();
  });

  it('compares everything when the source\'s change log no longer reaches back to its last read', async () => {
    const { nl, rt } = await setup();
    const source = new VersionedMap<string, Route>(4);
    rt.setSource(source);
    put(source, bgp(5));
    await rt.apply();
    const read = source.cursor;
    source.delete(routeKey(bgp(5)));
    for (let n = 0; n < 5; n++) for (const i of [0, 1]) put(source, bgp(i, n % 2 === 0 ? '10.0.0.16' : '10.0.0.17'));
    expect(source.changesSince(read)).toBeUndefined();
    expect(await rt.apply()).toMatchObject({ written: 2, deleted: 1 });
    expect((await ours(nl)).sort()).toEqual(['172.16.0.0/32 via 10.0.0.16 dev eth0', '172.16.0.1/32 via 10.0.0.16 dev eth0']);
  });

  it('a desired route whose link went away is pending until the link is back (the cache forgets what the kernel dropped)', async () => {
    const { nl, clock, rt } = await setup();
    await nl.createVeth({ name: 'cali2', peerName: 'p2' });
    await nl.setLinkUp('cali2', true);
    rt.setRoutes([{ dst: '10.244.0.3/32', linkName: 'cali2' }]);
    await rt.apply();
    await nl.deleteLink('cali2');
    const gone = await rt.apply();
    expect(gone.pending.map((p) => p.reason)).toEqual(['link cali2 does not exist']);
    await nl.createVeth({ name: 'cali2', peerName: 'p2' });
    await nl.setLinkUp('cali2', true);
    clock.advance(1000);
    await flush();
    expect(await ours(nl)).toEqual(['10.244.0.3/32 dev cali2']);
  });

  it('works through a large change in slices, and a change made between slices waits for the next apply', async () => {
    const { nl, clock } = await setup();
    const rt = new RouteTable({ netlink: nl, clock, logger: nullLogger, keysPerSlice: 10 });
    const source = new VersionedMap<string, Route>();
    for (let i = 0; i < 25; i++) put(source, bgp(i));
    rt.setSource(source);
    const batches = jest.spyOn(nl, 'routeBatch');
    const applying = rt.apply();
    await new Promise((r) => setImmediate(r));
    put(source, bgp(99));
    // A first apply compares every key: the 25 and the kernel's connected route of eth0.
    expect(await applying).toMatchObject({ written: 25, examined: 26 });
    expect(batches).toHaveBeenCalledTimes(3);
    expect(await rt.apply()).toMatchObject({ written: 1, examined: 1 });
  });

  it('leaves out the source routes its filter rejects, and brings them back when the filter goes', async () => {
    const { nl, rt, source } = await setup();
    put(source, bgp(1));
    put(source, { dst: '172.16.9.0/24', gateway: '10.0.0.15', linkName: 'eth0', onlink: true });
    const noOnlink = (r: Route): boolean => r.onlink !== true;
    rt.setSource(source, noOnlink);
    await rt.apply();
    expect(await ours(nl)).toEqual(['172.16.0.1/32 via 10.0.0.15 dev eth0']);
    rt.setSource(source);
    await rt.apply();
    expect(await ours(nl)).toHaveLength(2);
  });
});
