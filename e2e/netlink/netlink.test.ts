// RtNetlink against the real kernel, inside two network namespaces this test creates (and always deletes). Each
// namespace runs its own RtNetlink in a child process (netns-client.ts). Covers veth (peer created in the other
// namespace), addresses, routes (gateway, blackhole, unreachable, onlink, tables, protocol filter, replace, delete,
// ECMP, IPv6, batches), vxlan, neighbours, FDB, the ipip attempt, and real traffic between the namespaces over the
// routes programmed here.
//
// Traffic check: this machine has no `ping` binary, and node cannot open ICMP sockets, so the echo is UDP: a node
// process in B echoes a datagram sent from A. It crosses the veth both ways using only routes this test programmed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describeIf, requireTools } from '../lib/tools';
import { IpipUnavailableError, NetlinkError, isNotFound } from '../../src/netlink/netlink-error';
import { GINGHAM_ROUTE_PROTOCOL, KERNEL_ROUTE_PROTOCOL, type RouteInfo } from '../../src/netlink/netlink';
import { buildChild, inNetns, removeBuild, startInNetns, type NetnsNetlink } from './netns-client';

const ok = requireTools('netlink', ['ip'], { root: true });

const suffix = `${process.pid}-${Date.now() % 100000}`;
const nsA = `gh-nl-a-${suffix}`;
const nsB = `gh-nl-b-${suffix}`;
const MAC_A = '02:aa:00:00:00:01';
const MAC_B = '02:bb:00:00:00:01';

function find(routes: RouteInfo[], dst: string, table?: number): RouteInfo | undefined {
  return routes.find((r) => r.dst === dst && (table === undefined || r.table === table));
}

/** One UDP echo from A (bound to 10.88.0.1) to B's 10.99.0.1; returns the reply text or the client's error. */
async function udpEcho(port: number): Promise<{ ok: boolean; text: string }> {
  const server = spawn(
    'ip',
    [
      'netns',
      'exec',
      nsB,
      process.execPath,
      '-e',
      `const s=require('dgram').createSocket('udp4');
       const t=setTimeout(()=>process.exit(3),10000);
       s.on('message',(m,r)=>s.send(Buffer.concat([Buffer.from('echo:'),m]),r.port,r.address,()=>{clearTimeout(t);s.close();}));
       s.bind(${port},'10.99.0.1',()=>console.log('ready'));`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('udp server did not start')), 10000);
      server.stdout.once('data', () => {
        clearTimeout(t);
        resolve();
      });
      server.once('exit', (c) => {
        clearTimeout(t);
        reject(new Error(`udp server exited ${c}`));
      });
    });
    const client = spawnSync(
      'ip',
      [
        'netns',
        'exec',
        nsA,
        process.execPath,
        '-e',
        `const s=require('dgram').createSocket('udp4');
         const t=setTimeout(()=>{console.log('timeout');process.exit(2)},5000);
         s.on('message',(m)=>{console.log(m.toString());clearTimeout(t);s.close();});
         s.on('error',(e)=>{console.log('error '+e.code);process.exit(1)});
         s.bind(0,'10.88.0.1',()=>s.send('hello',${port},'10.99.0.1',(e)=>{if(e){console.log('error '+e.code);process.exit(1)}}));`,
      ],
      { encoding: 'utf8', timeout: 15000 },
    );
    return { ok: client.status === 0, text: client.stdout.trim() };
  } finally {
    if (server.exitCode === null && server.pid !== undefined) server.kill('SIGKILL');
  }
}

describeIf(ok)('netlink (real kernel, network namespaces)', () => {
  let a: NetnsNetlink;
  let b: NetnsNetlink;
  let build = '';

  beforeAll(() => {
    spawnSync('ip', ['netns', 'add', nsA], { timeout: 10000 });
    spawnSync('ip', ['netns', 'add', nsB], { timeout: 10000 });
    build = buildChild();
    a = startInNetns(nsA, build);
    b = startInNetns(nsB, build);
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    spawnSync('ip', ['netns', 'del', nsA], { timeout: 10000 });
    spawnSync('ip', ['netns', 'del', nsB], { timeout: 10000 });
    if (build) removeBuild(build);
    expect(existsSync(`/var/run/netns/${nsA}`)).toBe(false);
  });

  it('creates a veth pair with its peer in the other namespace', async () => {
    const va = await a.createVeth({ name: 'va', peerName: 'vb', mtu: 1400, mac: MAC_A, peerMac: MAC_B, peerNetns: { path: `/var/run/netns/${nsB}` } });
    expect(va).toMatchObject({ name: 'va', kind: 'veth', mtu: 1400, mac: MAC_A, up: false });
    expect(await a.findLink('vb')).toBeUndefined();
    const vb = await b.getLink('vb');
    expect(vb).toMatchObject({ name: 'vb', kind: 'veth', mtu: 1400, mac: MAC_B });
    await expect(a.createVeth({ name: 'va', peerName: 'vc' })).rejects.toMatchObject({ errno: 'EEXIST' });
  });

  it('sets links up, MTU and MAC; reports missing links as ENODEV', async () => {
    for (const [nl, dev] of [
      [a, 'va'],
      [b, 'vb'],
      [a, 'lo'],
      [b, 'lo'],
    ] as const) {
      await nl.setLinkUp(dev, true);
    }
    await a.setLinkMtu('va', 1450);
    await a.setLinkMac('va', '02:aa:00:00:00:02');
    const va = await a.getLink('va');
    expect(va).toMatchObject({ up: true, mtu: 1450, mac: '02:aa:00:00:00:02' });
    expect(await a.getLink(va.index)).toMatchObject({ name: 'va' });
    const names = (await a.listLinks()).map((l) => l.name);
    expect(names).toEqual(expect.arrayContaining(['lo', 'va']));
    const err = await a.getLink('nope0').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({ errno: 'ENODEV', code: 'ENODEV' });
    await expect(a.deleteLink('nope0')).rejects.toMatchObject({ errno: 'ENODEV' });
    await expect(a.setLinkUp('nope0', true)).rejects.toMatchObject({ errno: 'ENODEV' });
  });

  it('adds, lists and deletes addresses', async () => {
    await a.addAddress('va', '10.0.0.1/24');
    await b.addAddress('vb', '10.0.0.2/24');
    await a.addAddress('lo', '10.88.0.1/32');
    await b.addAddress('lo', '10.99.0.1/32');
    await a.addAddress('va', '10.0.9.1/24', { noPrefixRoute: true });
    await expect(a.addAddress('va', '10.0.0.1/24')).rejects.toMatchObject({ errno: 'EEXIST' });
    const addrs = (await a.listAddresses('va', 4)).map((x) => x.cidr);
    expect(addrs).toEqual(expect.arrayContaining(['10.0.0.1/24', '10.0.9.1/24']));
    // noPrefixRoute: no connected route for 10.0.9.0/24, while 10.0.0.0/24 has one (protocol kernel, scope link).
    const routes = await a.listRoutes({ family: 4 });
    expect(find(routes, '10.0.0.0/24')).toMatchObject({ protocol: KERNEL_ROUTE_PROTOCOL, scope: 'link', linkName: 'va' });
    expect(find(routes, '10.0.9.0/24')).toBeUndefined();
    await a.deleteAddress('va', '10.0.9.1/24');
    const err = await a.deleteAddress('va', '10.0.9.1/24').catch((e: unknown) => e);
    expect(err).toMatchObject({ errno: 'EADDRNOTAVAIL' });
    expect(isNotFound(err)).toBe(true);
  });

  it('adds a unicast route via a gateway, refuses a duplicate with EEXIST, and lists it with its protocol', async () => {
    await a.addRoute({ dst: '10.99.0.0/24', gateway: '10.0.0.2', linkName: 'va' });
    const err = await a.addRoute({ dst: '10.99.0.0/24', gateway: '10.0.0.2', linkName: 'va' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlinkError);
    expect((err as Error).message).toBe('route add 10.99.0.0/24 via 10.0.0.2 dev va: EEXIST');
    const mine = await a.listRoutes({ protocol: GINGHAM_ROUTE_PROTOCOL });
    expect(mine).toEqual([
      expect.objectContaining({ family: 4, dst: '10.99.0.0/24', gateway: '10.0.0.2', linkName: 'va', table: 254, metric: 0, type: 'unicast', scope: 'universe', onlink: false }),
    ]);
    // A gateway outside every connected subnet is refused unless onlink.
    await expect(a.addRoute({ dst: '10.55.0.0/24', gateway: '192.168.77.1', linkName: 'va' })).rejects.toBeInstanceOf(NetlinkError);
    await a.addRoute({ dst: '10.55.0.0/24', gateway: '192.168.77.1', linkName: 'va', onlink: true });
    expect(find(await a.listRoutes({ family: 4 }), '10.55.0.0/24')).toMatchObject({ gateway: '192.168.77.1', onlink: true });
  });

  it('programs blackhole and unreachable routes, other tables and other protocols, and filters dumps', async () => {
    await a.addRoute({ dst: '10.66.0.0/24', type: 'blackhole' });
    await a.addRoute({ dst: '10.67.0.0/24', type: 'unreachable', metric: 50 });
    await a.addRoute({ dst: '10.77.0.0/24', linkName: 'va', protocol: 4 });
    await a.addRoute({ dst: '10.78.0.0/24', linkName: 'va', table: 100 });
    await a.addRoute({ dst: '10.79.0.0/24', linkName: 'va', table: 1000 });
    const mine = await a.listRoutes({ protocol: GINGHAM_ROUTE_PROTOCOL });
    expect(find(mine, '10.66.0.0/24')).toMatchObject({ type: 'blackhole', scope: 'universe' });
    expect(find(mine, '10.67.0.0/24')).toMatchObject({ type: 'unreachable', metric: 50 });
    expect(find(mine, '10.77.0.0/24')).toBeUndefined();
    expect(find(await a.listRoutes({ protocol: 4 }), '10.77.0.0/24')).toMatchObject({ scope: 'link', linkName: 'va', protocol: 4 });
    expect((await a.listRoutes({ table: 1000 })).map((r) => r.dst)).toEqual(['10.79.0.0/24']);
    expect((await a.listRoutes({ table: 100 })).map((r) => r.dst)).toEqual(['10.78.0.0/24']);
    expect(find(await a.listRoutes(), '10.78.0.0/24', 100)).toBeDefined();
  });

  it('replaces and deletes routes; deleting a missing route is ESRCH', async () => {
    await a.replaceRoute({ dst: '10.99.0.0/24', gateway: '10.0.0.2', linkName: 'va', mtu: 1300 });
    expect(find(await a.listRoutes({ family: 4 }), '10.99.0.0/24')).toMatchObject({ mtu: 1300, gateway: '10.0.0.2' });
    await a.replaceRoute({ dst: '10.98.0.0/24', type: 'blackhole' }); // replace creates
    await a.deleteRoute({ dst: '10.98.0.0/24' });
    // Delete only when the protocol matches: a protocol-81 delete must not remove the static (4) route.
    await expect(a.deleteRoute({ dst: '10.77.0.0/24', protocol: GINGHAM_ROUTE_PROTOCOL })).rejects.toMatchObject({ errno: 'ESRCH' });
    await a.deleteRoute({ dst: '10.77.0.0/24', protocol: 4 });
    await a.deleteRoute({ dst: '10.67.0.0/24', metric: 50 });
    await a.deleteRoute({ dst: '10.79.0.0/24', table: 1000 });
    const err = await a.deleteRoute({ dst: '10.77.0.0/24' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ errno: 'ESRCH' });
    expect(isNotFound(err)).toBe(true);
    const left = (await a.listRoutes({ family: 4 })).map((r) => r.dst);
    expect(left).not.toEqual(expect.arrayContaining(['10.77.0.0/24']));
    expect(left).not.toContain('10.98.0.0/24');
    expect(left).not.toContain('10.79.0.0/24');
  });

  it('programs an ECMP route with weights and reads the next hops back', async () => {
    await a.addRoute({
      dst: '10.44.0.0/24',
      multipath: [
        { gateway: '10.0.0.2', linkName: 'va' },
        { gateway: '10.0.0.3', linkName: 'va', weight: 3 },
      ],
    });
    const r = find(await a.listRoutes({ family: 4 }), '10.44.0.0/24');
    expect(r?.multipath).toEqual([
      expect.objectContaining({ gateway: '10.0.0.2', linkName: 'va', weight: 1, onlink: false }),
      expect.objectContaining({ gateway: '10.0.0.3', linkName: 'va', weight: 3, onlink: false }),
    ]);
    expect(r?.gateway).toBeUndefined();
  });

  it('programs IPv6 routes (default metric 1024, link-local gateway, blackhole, ECMP)', async () => {
    await a.addRoute({ dst: '2001:db8:1::/64', gateway: 'fe80::2', linkName: 'va' });
    await a.addRoute({ dst: '2001:db8:2::/64', type: 'blackhole' });
    await a.addRoute({ dst: '2001:db8:3::/64', multipath: [{ gateway: 'fe80::2', linkName: 'va' }, { gateway: 'fe80::3', linkName: 'va' }] });
    await expect(a.addRoute({ dst: '2001:db8:1::/64', gateway: 'fe80::2', linkName: 'va' })).rejects.toMatchObject({ errno: 'EEXIST' });
    const v6 = await a.listRoutes({ family: 6, protocol: GINGHAM_ROUTE_PROTOCOL });
    expect(find(v6, '2001:db8:1::/64')).toMatchObject({ family: 6, gateway: 'fe80::2', linkName: 'va', metric: 1024 });
    expect(find(v6, '2001:db8:2::/64')).toMatchObject({ type: 'blackhole' });
    expect(find(v6, '2001:db8:3::/64')?.multipath?.map((h) => h.gateway)).toEqual(['fe80::2', 'fe80::3']);
    await a.deleteRoute({ dst: '2001:db8:2::/64' });
    await expect(a.deleteRoute({ dst: '2001:db8:2::/64' })).rejects.toMatchObject({ errno: 'ESRCH' });
  });

  it('pipelines a batch of route operations and reports each result', async () => {
    const ops = Array.from({ length: 40 }, (_, i) => ({ op: 'add' as const, route: { dst: `10.200.${i}.0/24`, type: 'blackhole' as const } }));
    ops.push({ op: 'add', route: { dst: '10.200.0.0/24', type: 'blackhole' } });
    const results = await a.routeBatch(ops);
    expect(results.filter((r) => r.ok)).toHaveLength(40);
    const failed = results[40];
    expect(failed?.ok).toBe(false);
    expect(failed && !failed.ok && failed.error).toMatchObject({ errno: 'EEXIST' });
    const dels = await a.routeBatch(ops.slice(0, 40).map((o) => ({ op: 'delete' as const, route: o.route })));
    expect(dels.every((r) => r.ok)).toBe(true);
    expect((await a.listRoutes({ family: 4 })).filter((r) => r.dst.startsWith('10.200.'))).toEqual([]);
  });

  it('creates a vxlan device with VNI, port, local address, parent and learning off', async () => {
    const vx = await a.createVxlan({ name: 'vx0', vni: 4096, port: 4789, local: '10.0.0.1', parent: 'va', mtu: 1400 });
    const va = await a.getLink('va');
    expect(vx).toMatchObject({ name: 'vx0', kind: 'vxlan', mtu: 1400, vxlan: { vni: 4096, port: 4789, local: '10.0.0.1', parentIndex: va.index, learning: false } });
    await a.setLinkUp('vx0', true);
    await expect(a.createVxlan({ name: 'vx0', vni: 4096 })).rejects.toMatchObject({ errno: 'EEXIST' });
  });

  it('manages permanent neighbour entries', async () => {
    const n = { ip: '10.0.0.3', mac: '02:00:00:00:00:03', linkName: 'va' };
    await a.addNeighbour(n);
    await expect(a.addNeighbour(n)).rejects.toMatchObject({ errno: 'EEXIST' });
    await a.replaceNeighbour({ ...n, mac: '02:00:00:00:00:04' });
    const va = await a.getLink('va');
    expect(await a.listNeighbours('va', 4)).toContainEqual({ ip: '10.0.0.3', mac: '02:00:00:00:00:04', linkIndex: va.index, permanent: true });
    await a.deleteNeighbour(n);
    await expect(a.deleteNeighbour(n)).rejects.toMatchObject({ errno: 'ENOENT' });
  });

  it('manages vxlan FDB entries (MAC to remote VTEP, permanent)', async () => {
    const e = { mac: '02:00:00:00:00:08', dst: '10.0.0.2', linkName: 'vx0' };
    await a.addFdb(e);
    await expect(a.addFdb(e)).rejects.toMatchObject({ errno: 'EEXIST' });
    await a.replaceFdb({ ...e, dst: '10.0.0.9' });
    const vx = await a.getLink('vx0');
    const fdb = await a.listFdb('vx0');
    expect(fdb).toContainEqual({ mac: '02:00:00:00:00:08', dst: '10.0.0.9', linkIndex: vx.index, permanent: true });
    await a.deleteFdb({ ...e, dst: '10.0.0.9' });
    expect(await a.listFdb('vx0')).toEqual([]);
    await expect(a.deleteFdb({ ...e, dst: '10.0.0.9' })).rejects.toMatchObject({ errno: 'ENOENT' });
  });

  it('creates tunl0 when the kernel has ipip, and otherwise fails with IpipUnavailableError', async () => {
    const res = await a.createIpip().then(
      (link) => ({ link }),
      (error: unknown) => ({ error }),
    );
    // /sys/module/ipip is the independent truth about the module (it exists once loaded, also when built in).
    if (existsSync('/sys/module/ipip')) {
      expect(res).toMatchObject({ link: { name: 'tunl0', kind: 'ipip' } });
    } else {
      const err = (res as { error: unknown }).error;
      expect(err).toBeInstanceOf(IpipUnavailableError);
      expect(err).toMatchObject({ code: 'IPIP_UNAVAILABLE', errno: 'EOPNOTSUPP' });
      expect((err as Error).message).toContain('kernel lacks ipip; use vxlanMode');
    }
  });

  it('carries real traffic between the namespaces over the programmed routes', async () => {
    // A already routes 10.99.0.0/24 via 10.0.0.2; B routes A's loopback back, onlink.
    await b.addRoute({ dst: '10.88.0.0/24', gateway: '10.0.0.1', linkName: 'vb', onlink: true });
    const echo = await udpEcho(40000 + (process.pid % 20000));
    expect(echo).toEqual({ ok: true, text: 'echo:hello' });
    // Without A's route the datagram has nowhere to go: the routes above were what carried it.
    await a.deleteRoute({ dst: '10.99.0.0/24' });
    const none = await udpEcho(40001 + (process.pid % 20000));
    expect(none.ok).toBe(false);
    expect(none.text).toMatch(/ENETUNREACH|timeout/);
  });

  it('removes a link with its routes, and a veth with its peer', async () => {
    await a.addRoute({ dst: '10.33.0.0/24', linkName: 'vx0' });
    expect(find(await a.listRoutes({ family: 4 }), '10.33.0.0/24')).toBeDefined();
    await a.deleteLink('vx0');
    expect(find(await a.listRoutes({ family: 4 }), '10.33.0.0/24')).toBeUndefined();
    await a.deleteLink('va');
    expect(await b.findLink('vb')).toBeUndefined();
    expect(inNetns(nsA, ['ip', '-o', 'link', 'show'])).not.toContain('va');
  });
});
