import { FakeNetlink } from './fake';
import { IpipUnavailableError, NetlinkError, isNotFound } from './netlink-error';
import { GINGHAM_ROUTE_PROTOCOL, KERNEL_ROUTE_PROTOCOL, type Route } from './netlink';

/** A fake with eth0 (10.0.0.1/24, up) and a veth pair (up), as a node with one workload. */
async function node(): Promise<FakeNetlink> {
  const nl = new FakeNetlink();
  nl.addExistingLink('eth0', { mac: '02:00:00:00:00:01' });
  await nl.addAddress('eth0', '10.0.0.1/24');
  await nl.createVeth({ name: 'cali1', peerName: 'eth1' });
  await nl.setLinkUp('cali1', true);
  await nl.setLinkUp('eth1', true);
  return nl;
}

async function errnoOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof NetlinkError) return err.errno;
    throw err;
  }
  return 'ok';
}

describe('FakeNetlink links', () => {
  it('assigns increasing indexes, lo first, and refuses duplicate names with EEXIST', async () => {
    const nl = new FakeNetlink();
    const a = await nl.createVeth({ name: 'a0', peerName: 'a1' });
    const v = await nl.createVxlan({ name: 'vxlan.calico', vni: 4096, parent: 'lo' });
    expect((await nl.listLinks()).map((l) => [l.index, l.name])).toEqual([
      [1, 'lo'],
      // veth_newlink registers the peer first, so the peer end holds the lower index.
      [2, 'a1'],
      [3, 'a0'],
      [4, 'vxlan.calico'],
    ]);
    expect(a.parentIndex).toBe(2);
    expect(v.vxlan).toEqual({ vni: 4096, port: 4789, local: undefined, parentIndex: 1, learning: false });
    expect(await errnoOf(nl.createVeth({ name: 'a0', peerName: 'x' }))).toBe('EEXIST');
    expect(await errnoOf(nl.createVeth({ name: 'x', peerName: 'a1' }))).toBe('EEXIST');
    expect(await errnoOf(nl.createVeth({ name: 'way-too-long-name0', peerName: 'x' }))).toBe('EINVAL');
    expect(await errnoOf(nl.createVxlan({ name: 'vx', vni: 1 << 24 }))).toBe('ERANGE');
    expect(await errnoOf(nl.createVxlan({ name: 'vx', vni: 1, parent: 'nope' }))).toBe('ENODEV');
  });

  it('reports get/set/delete of a missing link as ENODEV and findLink as undefined', async () => {
    const nl = new FakeNetlink();
    const cases: Array<{ name: string; call: () => Promise<unknown> }> = [
      { name: 'getLink', call: () => nl.getLink('nope') },
      { name: 'setLinkUp', call: () => nl.setLinkUp('nope', true) },
      { name: 'setLinkMtu', call: () => nl.setLinkMtu(99, 1400) },
      { name: 'setLinkMac', call: () => nl.setLinkMac('nope', '02:00:00:00:00:01') },
      { name: 'deleteLink', call: () => nl.deleteLink('nope') },
      { name: 'addAddress', call: () => nl.addAddress('nope', '10.0.0.1/24') },
    ];
    for (const c of cases) {
      const err = await c.call().catch((e: unknown) => e);
      expect({ name: c.name, errno: (err as NetlinkError).errno, notFound: isNotFound(err) }).toEqual({ name: c.name, errno: 'ENODEV', notFound: true });
    }
    expect(await nl.findLink('nope')).toBeUndefined();
  });

  it('sets MTU and MAC, and keeps veth carrier down until both ends are up', async () => {
    const nl = new FakeNetlink();
    await nl.createVeth({ name: 'a0', peerName: 'a1', peerMac: '02:AA:00:00:00:01' });
    await nl.setLinkMtu('a0', 1410);
    await nl.setLinkMac('a0', '02:BB:00:00:00:01');
    await nl.setLinkUp('a0', true);
    expect(await nl.getLink('a0')).toMatchObject({ mtu: 1410, mac: '02:bb:00:00:00:01', up: true, lowerUp: false });
    expect((await nl.getLink('a1')).mac).toBe('02:aa:00:00:00:01');
    await nl.setLinkUp('a1', true);
    expect((await nl.getLink('a0')).lowerUp).toBe(true);
    expect(await errnoOf(nl.setLinkMtu('a0', 20))).toBe('EINVAL');
  });

  it('deletes a veth with its peer, and everything that pointed at them', async () => {
    const nl = await node();
    await nl.addAddress('cali1', '169.254.1.1/32');
    await nl.addRoute({ dst: '10.244.1.5/32', linkName: 'cali1' });
    await nl.addNeighbour({ ip: '10.244.1.5', mac: '02:00:00:00:00:05', linkName: 'cali1' });
    await nl.deleteLink('eth1');
    expect(await nl.findLink('cali1')).toBeUndefined();
    expect((await nl.listRoutes()).map((r) => r.dst)).toEqual(['10.0.0.0/24']);
    expect(await nl.listNeighbours()).toEqual([]);
    expect((await nl.listAddresses()).map((a) => a.cidr)).toEqual(['10.0.0.1/24']);
    expect(await errnoOf(nl.deleteLink('lo'))).toBe('EOPNOTSUPP');
  });

  it('moving a link to another namespace removes it here and leaves its peer', async () => {
    const nl = new FakeNetlink();
    await nl.createVeth({ name: 'cali1', peerName: 'eth0' });
    await nl.setLinkNetns('eth0', { path: '/var/run/netns/pod1' });
    expect(await nl.findLink('eth0')).toBeUndefined();
    expect((await nl.getLink('cali1')).parentIndex).toBeUndefined();
    expect(nl.calls).toContain('link set eth0 netns /var/run/netns/pod1');
  });

  it('creates a veth whose peer lives in another namespace (only the local end appears)', async () => {
    const nl = new FakeNetlink();
    await nl.createVeth({ name: 'cali2', peerName: 'eth0', peerNetns: { pid: 1234 } });
    expect((await nl.listLinks()).map((l) => l.name)).toEqual(['lo', 'cali2']);
  });
});

describe('FakeNetlink ipip', () => {
  it('creates tunl0 when the module is available, idempotently', async () => {
    const nl = new FakeNetlink();
    const t = await nl.createIpip({ mtu: 1440 });
    expect(t).toMatchObject({ name: 'tunl0', kind: 'ipip', mtu: 1440, up: false });
    expect(t.mac).toBeUndefined();
    expect((await nl.createIpip()).index).toBe(t.index);
  });

  it('fails with IpipUnavailableError when the kernel lacks ipip', async () => {
    const nl = new FakeNetlink({ ipipAvailable: false });
    const err = await nl.createIpip().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpipUnavailableError);
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({ code: 'IPIP_UNAVAILABLE', errno: 'EOPNOTSUPP' });
    expect((err as Error).message).toBe('link add tunl0 type ipip: EOPNOTSUPP (kernel lacks ipip; use vxlanMode (ipip module not loaded and not loadable))');
    nl.setIpipAvailable(true);
    expect((await nl.createIpip()).name).toBe('tunl0');
  });
});

describe('FakeNetlink addresses', () => {
  it('adds connected routes for addresses on up links, and only then', async () => {
    const nl = new FakeNetlink();
    nl.addExistingLink('eth0', { up: false });
    await nl.addAddress('eth0', '10.0.0.1/24');
    await nl.addAddress('eth0', 'fd00::1/64');
    await nl.addAddress('eth0', '10.9.0.1/24', { noPrefixRoute: true });
    expect(await nl.listRoutes()).toEqual([]);
    await nl.setLinkUp('eth0', true);
    expect(await nl.listRoutes()).toEqual([
      expect.objectContaining({ dst: '10.0.0.0/24', protocol: KERNEL_ROUTE_PROTOCOL, scope: 'link', metric: 0, src: '10.0.0.1', linkName: 'eth0' }),
      expect.objectContaining({ dst: 'fd00::/64', protocol: KERNEL_ROUTE_PROTOCOL, scope: 'universe', metric: 256, linkName: 'eth0' }),
    ]);
    expect((await nl.listAddresses('eth0', 6)).map((a) => a.cidr)).toEqual(['fd00::1/64']);
  });

  it('refuses duplicates (EEXIST) and deletes of missing addresses (EADDRNOTAVAIL), removing the connected route', async () => {
    const nl = await node();
    expect(await errnoOf(nl.addAddress('eth0', '10.0.0.1/24'))).toBe('EEXIST');
    await nl.addAddress('eth0', '10.0.0.1/16'); // same IP, other prefix: allowed, as in the kernel
    expect(await errnoOf(nl.deleteAddress('eth0', '10.0.0.7/24'))).toBe('EADDRNOTAVAIL');
    await nl.deleteAddress('eth0', '10.0.0.1/24');
    expect((await nl.listRoutes()).map((r) => r.dst)).toEqual(['10.0.0.0/16']);
    expect(await errnoOf(nl.addAddress('eth0', '10.0.0.300/24'))).toBe('EINVAL');
  });
});

describe('FakeNetlink routes', () => {
  const cases: Array<{ name: string; route: Route; want: string }> = [
    { name: 'gateway in a connected subnet', route: { dst: '10.244.1.0/24', gateway: '10.0.0.15' }, want: 'ok' },
    { name: 'gateway in a connected subnet, on the right device', route: { dst: '10.244.1.0/24', gateway: '10.0.0.15', linkName: 'eth0' }, want: 'ok' },
    { name: 'gateway not on the given device', route: { dst: '10.244.1.0/24', gateway: '10.0.0.15', linkName: 'cali1' }, want: 'ENETUNREACH' },
    { name: 'unreachable gateway', route: { dst: '10.244.1.0/24', gateway: '192.168.5.5' }, want: 'ENETUNREACH' },
    { name: 'unreachable gateway, onlink (IPIP style)', route: { dst: '10.244.1.0/24', gateway: '192.168.5.5', linkName: 'eth0', onlink: true }, want: 'ok' },
    { name: 'onlink without a device', route: { dst: '10.244.1.0/24', gateway: '192.168.5.5', onlink: true }, want: 'EINVAL' },
    { name: 'device only', route: { dst: '10.244.1.5/32', linkName: 'cali1' }, want: 'ok' },
    { name: 'missing device', route: { dst: '10.244.1.5/32', linkName: 'cali9' }, want: 'ENODEV' },
    { name: 'nothing to send it to', route: { dst: '10.244.1.5/32' }, want: 'ENODEV' },
    { name: 'blackhole', route: { dst: '10.244.0.0/16', type: 'blackhole' }, want: 'ok' },
    { name: 'IPv6 link-local gateway with device', route: { dst: '2001:db8::/64', gateway: 'fe80::1', linkName: 'eth0' }, want: 'ok' },
    { name: 'IPv6 link-local gateway without device', route: { dst: '2001:db8::/64', gateway: 'fe80::1' }, want: 'EINVAL' },
    { name: 'gateway of the wrong family', route: { dst: '2001:db8::/64', gateway: '10.0.0.15' }, want: 'EINVAL' },
    { name: 'multipath with a top-level gateway', route: { dst: '10.1.0.0/24', gateway: '10.0.0.2', multipath: [{ gateway: '10.0.0.3' }] }, want: 'EINVAL' },
    { name: 'bad CIDR', route: { dst: '10.1.0.0/33' }, want: 'EINVAL' },
  ];
  it.each(cases)('add: $name -> $want', async ({ route, want }) => {
    const nl = await node();
    expect(await errnoOf(nl.addRoute(route))).toBe(want);
  });

  it('fills in defaults and resolves the device of a gateway route', async () => {
    const nl = await node();
    await nl.addRoute({ dst: '10.244.1.7/24', gateway: '10.0.0.15' });
    await nl.addRoute({ dst: '2001:db8::/64', type: 'blackhole' });
    const mine = await nl.listRoutes({ protocol: GINGHAM_ROUTE_PROTOCOL });
    expect(mine).toEqual([
      expect.objectContaining({ family: 4, dst: '10.244.1.0/24', gateway: '10.0.0.15', linkName: 'eth0', table: 254, metric: 0, type: 'unicast', scope: 'universe', onlink: false }),
      expect.objectContaining({ family: 6, dst: '2001:db8::/64', type: 'blackhole', metric: 1024, scope: 'universe' }),
    ]);
  });

  it('EEXIST on a duplicate add; replace overwrites; metrics and tables make distinct routes', async () => {
    const nl = await node();
    await nl.addRoute({ dst: '10.244.1.0/24', gateway: '10.0.0.15' });
    const err = await nl.addRoute({ dst: '10.244.1.0/24', gateway: '10.0.0.16', linkName: 'eth0' }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('route add 10.244.1.0/24 via 10.0.0.16 dev eth0: EEXIST');
    await nl.addRoute({ dst: '10.244.1.0/24', gateway: '10.0.0.16', metric: 10 });
    await nl.addRoute({ dst: '10.244.1.0/24', type: 'unreachable', table: 1000 });
    await nl.replaceRoute({ dst: '10.244.1.0/24', gateway: '10.0.0.17', mtu: 1400 });
    const routes = (await nl.listRoutes({ protocol: GINGHAM_ROUTE_PROTOCOL })).map((r) => [r.table, r.metric, r.gateway ?? r.type, r.mtu]);
    expect(routes).toEqual([
      [254, 0, '10.0.0.17', 1400],
      [254, 10, '10.0.0.16', undefined],
      [1000, 0, 'unreachable', undefined],
    ]);
    expect((await nl.listRoutes({ table: 1000 })).length).toBe(1);
  });

  it('deletes by table/dst/metric, honours protocol and type filters, and answers ESRCH when absent', async () => {
    const nl = await node();
    await nl.addRoute({ dst: '10.244.1.0/24', gateway: '10.0.0.15', protocol: 4 });
    expect(await errnoOf(nl.deleteRoute({ dst: '10.244.1.0/24', protocol: GINGHAM_ROUTE_PROTOCOL }))).toBe('ESRCH');
    expect(await errnoOf(nl.deleteRoute({ dst: '10.244.1.0/24', type: 'blackhole' }))).toBe('ESRCH');
    expect(await errnoOf(nl.deleteRoute({ dst: '10.244.1.0/24', metric: 5 }))).toBe('ESRCH');
    await nl.deleteRoute({ dst: '10.244.1.0/24' });
    const err = await nl.deleteRoute({ dst: '10.244.1.0/24' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ errno: 'ESRCH', op: 'route del' });
    expect(isNotFound(err)).toBe(true);
  });

  it('stores ECMP next hops with weights, resolving devices', async () => {
    const nl = await node();
    await nl.addRoute({ dst: '10.1.0.0/24', multipath: [{ gateway: '10.0.0.2' }, { gateway: '10.0.0.3', weight: 2 }] });
    const [r] = await nl.listRoutes({ protocol: GINGHAM_ROUTE_PROTOCOL });
    expect(r?.multipath).toEqual([
      { gateway: '10.0.0.2', linkIndex: 2, linkName: 'eth0', onlink: false, weight: 1 },
      { gateway: '10.0.0.3', linkIndex: 2, linkName: 'eth0', onlink: false, weight: 2 },
    ]);
    expect(r?.scope).toBe('universe');
    expect(await errnoOf(nl.addRoute({ dst: '10.2.0.0/24', multipath: [{ gateway: '10.0.0.2', weight: 0 }] }))).toBe('EINVAL');
  });

  it('refuses routes through a down link (ENETDOWN) and drops routes when their link goes down', async () => {
    const nl = await node();
    await nl.addRoute({ dst: '10.244.1.0/24', gateway: '10.0.0.15' });
    await nl.addRoute({ dst: '10.2.0.0/24', multipath: [{ linkName: 'cali1' }, { gateway: '10.0.0.3' }] });
    await nl.addRoute({ dst: '10.244.0.0/16', type: 'blackhole' });
    await nl.setLinkUp('eth0', false);
    expect((await nl.listRoutes()).map((r) => r.dst)).toEqual(['10.244.0.0/16']);
    expect(await errnoOf(nl.addRoute({ dst: '10.3.0.0/24', linkName: 'eth0' }))).toBe('ENETDOWN');
    expect(await errnoOf(nl.addRoute({ dst: '10.3.0.0/24', gateway: '10.0.0.15' }))).toBe('ENETUNREACH');
    await nl.setLinkUp('eth0', true);
    expect((await nl.listRoutes()).map((r) => r.dst).sort()).toEqual(['10.0.0.0/24', '10.244.0.0/16']);
  });

  it('applies a batch in order, one result per operation', async () => {
    const nl = await node();
    const results = await nl.routeBatch([
      { op: 'add', route: { dst: '10.1.0.0/24', type: 'blackhole' } },
      { op: 'add', route: { dst: '10.1.0.0/24', type: 'blackhole' } },
      { op: 'delete', route: { dst: '10.9.0.0/24' } },
      { op: 'replace', route: { dst: '10.1.0.0/24', type: 'unreachable' } },
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : (r.error as NetlinkError).errno))).toEqual(['ok', 'EEXIST', 'ESRCH', 'ok']);
    expect((await nl.listRoutes({ protocol: GINGHAM_ROUTE_PROTOCOL }))[0]?.type).toBe('unreachable');
  });
});

describe('FakeNetlink neighbours and FDB', () => {
  it('manages permanent neighbours: EEXIST, replace, ENOENT', async () => {
    const nl = await node();
    const n = { ip: '10.0.0.9', mac: '02:00:00:00:00:09', linkName: 'eth0' };
    await nl.addNeighbour(n);
    expect(await errnoOf(nl.addNeighbour(n))).toBe('EEXIST');
    await nl.replaceNeighbour({ ...n, mac: '02:00:00:00:00:0A' });
    await nl.addNeighbour({ ip: 'fd00::9', mac: '02:00:00:00:00:0b', linkIndex: 2 });
    expect(await nl.listNeighbours('eth0', 4)).toEqual([{ ip: '10.0.0.9', mac: '02:00:00:00:00:0a', linkIndex: 2, permanent: true }]);
    await nl.deleteNeighbour(n);
    expect(await errnoOf(nl.deleteNeighbour(n))).toBe('ENOENT');
    expect(await errnoOf(nl.addNeighbour({ ip: '10.0.0.9', mac: '02:00:00:00:00:09' }))).toBe('EINVAL');
    expect(await errnoOf(nl.addNeighbour({ ip: '10.0.0.9', mac: 'zz', linkName: 'eth0' }))).toBe('EINVAL');
  });

  it('keeps one FDB entry per MAC on a vxlan device: EEXIST, replace moves it, delete names the VTEP', async () => {
    const nl = await node();
    await nl.createVxlan({ name: 'vxlan.calico', vni: 4096, local: '10.0.0.1', parent: 'eth0' });
    const e = { mac: '66:00:00:00:00:01', dst: '10.0.0.2', linkName: 'vxlan.calico' };
    await nl.addFdb(e);
    expect(await errnoOf(nl.addFdb({ ...e, dst: '10.0.0.3' }))).toBe('EEXIST');
    await nl.replaceFdb({ ...e, dst: '10.0.0.3' });
    expect(await nl.listFdb('vxlan.calico')).toEqual([{ mac: '66:00:00:00:00:01', dst: '10.0.0.3', linkIndex: 5, permanent: true }]);
    // Naming a VTEP the MAC does not point at succeeds and deletes nothing, as the kernel does.
    await nl.deleteFdb(e);
    expect(await nl.listFdb()).toHaveLength(1);
    await nl.deleteFdb({ ...e, dst: '10.0.0.3' });
    expect(await nl.listFdb()).toEqual([]);
    expect(await errnoOf(nl.deleteFdb({ ...e, dst: '10.0.0.3' }))).toBe('ENOENT');
  });
});

describe('FakeNetlink failure injection and call log', () => {
  it('fails the next calls of one operation with the given errno, before changing anything', async () => {
    const nl = await node();
    nl.failNext('addRoute', 'EPERM', 2);
    nl.failNext('listRoutes', 'EBUSY');
    const r = { dst: '10.1.0.0/24', type: 'blackhole' as const };
    const err = await nl.addRoute(r).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({ errno: 'EPERM', code: 'EPERM', op: 'route add' });
    expect(await errnoOf(nl.addRoute(r))).toBe('EPERM');
    expect(await errnoOf(nl.listRoutes())).toBe('EBUSY');
    expect((await nl.listRoutes({ protocol: GINGHAM_ROUTE_PROTOCOL })).length).toBe(0);
    await nl.addRoute(r);
    expect((await nl.listRoutes({ protocol: GINGHAM_ROUTE_PROTOCOL })).length).toBe(1);
  });

  it('injects failures into single operations of a batch', async () => {
    const nl = await node();
    nl.failNext('deleteRoute', 'EBUSY');
    const results = await nl.routeBatch([
      { op: 'add', route: { dst: '10.1.0.0/24', type: 'blackhole' } },
      { op: 'delete', route: { dst: '10.1.0.0/24' } },
      { op: 'delete', route: { dst: '10.1.0.0/24' } },
    ]);
    expect(results.map((x) => (x.ok ? 'ok' : (x.error as NetlinkError).errno))).toEqual(['ok', 'EBUSY', 'ok']);
  });

  it('logs successful mutations through the interface only, iproute2-style (test setup is not logged)', async () => {
    const nl = new FakeNetlink();
    nl.addExistingLink('eth0');
    await nl.addAddress('eth0', '10.0.0.1/24');
    await nl.addRoute({ dst: '10.2.0.0/24', gateway: '10.0.0.2', linkName: 'eth0' });
    await nl.addRoute({ dst: '10.2.0.0/24', gateway: '10.0.0.2' }).catch(() => undefined);
    await nl.deleteRoute({ dst: '10.2.0.0/24' });
    expect(nl.calls).toEqual(['address add 10.0.0.1/24 dev eth0', 'route add 10.2.0.0/24 via 10.0.0.2 dev eth0', 'route del 10.2.0.0/24']);
  });

  it('fails every call after close with EBADF', async () => {
    const nl = new FakeNetlink();
    nl.close();
    expect(await errnoOf(nl.listLinks())).toBe('EBADF');
  });
});
