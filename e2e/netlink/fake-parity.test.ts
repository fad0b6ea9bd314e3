// Keeps FakeNetlink honest: one script of operations runs against the fake and against the real kernel (RtNetlink in a
// namespace this test creates and deletes), and every outcome (ok or errno) and the resulting routes, neighbours and FDB
// must be the same. Dataplane unit tests rely on the fake behaving like this kernel.
import { spawnSync } from 'node:child_process';
import { describeIf, requireTools } from '../lib/tools';
import { FakeNetlink } from '../../src/netlink/fake';
import { NetlinkError } from '../../src/netlink/netlink-error';
import { GINGHAM_ROUTE_PROTOCOL, type Netlink, type RouteInfo } from '../../src/netlink/netlink';
import { buildChild, removeBuild, startInNetns, type NetnsNetlink } from './netns-client';

const ok = requireTools('netlink fake parity', ['ip'], { root: true });
const ns = `gh-nl-p-${process.pid}-${Date.now() % 100000}`;

type Step = { readonly name: string; readonly run: (nl: Netlink) => Promise<unknown> };

const steps: Step[] = [
  { name: 'veth', run: (nl) => nl.createVeth({ name: 'p0', peerName: 'p1' }) },
  { name: 'route via down link', run: (nl) => nl.addRoute({ dst: '10.1.0.0/24', linkName: 'p0' }) },
  { name: 'p0 up', run: (nl) => nl.setLinkUp('p0', true) },
  { name: 'p1 up', run: (nl) => nl.setLinkUp('p1', true) },
  { name: 'address', run: (nl) => nl.addAddress('p0', '10.0.0.1/24') },
  { name: 'address again', run: (nl) => nl.addAddress('p0', '10.0.0.1/24') },
  { name: 'address, other prefix', run: (nl) => nl.addAddress('p0', '10.0.0.1/16') },
  { name: 'delete missing address', run: (nl) => nl.deleteAddress('p0', '10.0.0.9/24') },
  { name: 'delete address', run: (nl) => nl.deleteAddress('p0', '10.0.0.1/16') },
  { name: 'route via gateway', run: (nl) => nl.addRoute({ dst: '10.2.0.0/24', gateway: '10.0.0.2' }) },
  { name: 'same route again', run: (nl) => nl.addRoute({ dst: '10.2.0.0/24', gateway: '10.0.0.2' }) },
  { name: 'unreachable gateway', run: (nl) => nl.addRoute({ dst: '10.3.0.0/24', gateway: '10.9.9.9' }) },
  { name: 'gateway on another device', run: (nl) => nl.addRoute({ dst: '10.3.0.0/24', gateway: '10.0.0.2', linkName: 'p1' }) },
  { name: 'onlink', run: (nl) => nl.addRoute({ dst: '10.3.0.0/24', gateway: '10.9.9.9', linkName: 'p0', onlink: true }) },
  { name: 'no gateway, no device', run: (nl) => nl.addRoute({ dst: '10.7.0.0/24' }) },
  { name: 'missing device', run: (nl) => nl.addRoute({ dst: '10.7.0.0/24', linkName: 'nope' }) },
  { name: 'blackhole', run: (nl) => nl.addRoute({ dst: '10.4.0.0/24', type: 'blackhole' }) },
  { name: 'unreachable, metric 7', run: (nl) => nl.addRoute({ dst: '10.5.0.0/24', type: 'unreachable', metric: 7 }) },
  { name: 'delete with the wrong metric', run: (nl) => nl.deleteRoute({ dst: '10.5.0.0/24', metric: 8 }) },
  { name: 'delete with the right metric', run: (nl) => nl.deleteRoute({ dst: '10.5.0.0/24', metric: 7 }) },
  { name: 'delete with the wrong type', run: (nl) => nl.deleteRoute({ dst: '10.4.0.0/24', type: 'unreachable' }) },
  { name: 'delete with the wrong protocol', run: (nl) => nl.deleteRoute({ dst: '10.4.0.0/24', protocol: 4 }) },
  { name: 'static route', run: (nl) => nl.addRoute({ dst: '10.8.0.0/24', linkName: 'p0', protocol: 4 }) },
  { name: 'other table', run: (nl) => nl.addRoute({ dst: '10.9.0.0/24', linkName: 'p0', table: 1000 }) },
  { name: 'replace', run: (nl) => nl.replaceRoute({ dst: '10.2.0.0/24', gateway: '10.0.0.3', mtu: 1400 }) },
  { name: 'replace creates', run: (nl) => nl.replaceRoute({ dst: '10.10.0.0/24', type: 'blackhole' }) },
  { name: 'ecmp', run: (nl) => nl.addRoute({ dst: '10.6.0.0/24', multipath: [{ gateway: '10.0.0.2' }, { gateway: '10.0.0.3', weight: 2 }] }) },
  { name: 'ipv6 link-local gateway, no device', run: (nl) => nl.addRoute({ dst: '2001:db8::/64', gateway: 'fe80::1' }) },
  { name: 'ipv6 link-local gateway', run: (nl) => nl.addRoute({ dst: '2001:db8::/64', gateway: 'fe80::1', linkName: 'p0' }) },
  { name: 'ipv6 blackhole', run: (nl) => nl.addRoute({ dst: '2001:db8:1::/64', type: 'blackhole' }) },
  { name: 'neighbour', run: (nl) => nl.addNeighbour({ ip: '10.0.0.7', mac: '02:00:00:00:00:07', linkName: 'p0' }) },
  { name: 'neighbour again', run: (nl) => nl.addNeighbour({ ip: '10.0.0.7', mac: '02:00:00:00:00:07', linkName: 'p0' }) },
  { name: 'neighbour replace', run: (nl) => nl.replaceNeighbour({ ip: '10.0.0.7', mac: '02:00:00:00:00:08', linkName: 'p0' }) },
  { name: 'delete missing neighbour', run: (nl) => nl.deleteNeighbour({ ip: '10.0.0.8', mac: '02:00:00:00:00:08', linkName: 'p0' }) },
  { name: 'vxlan', run: (nl) => nl.createVxlan({ name: 'vx0', vni: 42, local: '10.0.0.1', parent: 'p0' }) },
  { name: 'vxlan again', run: (nl) => nl.createVxlan({ name: 'vx0', vni: 43 }) },
  { name: 'vxlan up', run: (nl) => nl.setLinkUp('vx0', true) },
  { name: 'fdb', run: (nl) => nl.addFdb({ mac: '66:00:00:00:00:01', dst: '10.0.0.2', linkName: 'vx0' }) },
  { name: 'fdb, same MAC', run: (nl) => nl.addFdb({ mac: '66:00:00:00:00:01', dst: '10.0.0.3', linkName: 'vx0' }) },
  { name: 'fdb replace', run: (nl) => nl.replaceFdb({ mac: '66:00:00:00:00:01', dst: '10.0.0.3', linkName: 'vx0' }) },
  { name: 'fdb delete, wrong VTEP', run: (nl) => nl.deleteFdb({ mac: '66:00:00:00:00:01', dst: '10.0.0.2', linkName: 'vx0' }) },
  { name: 'route via vxlan', run: (nl) => nl.addRoute({ dst: '10.11.0.0/24', gateway: '10.11.0.1', linkName: 'vx0', onlink: true }) },
  { name: 'mtu too small', run: (nl) => nl.setLinkMtu('p0', 20) },
  { name: 'p0 down', run: (nl) => nl.setLinkUp('p0', false) },
];

const tail: Step[] = [
  { name: 'delete vxlan', run: (nl) => nl.deleteLink('vx0') },
  { name: 'delete peer', run: (nl) => nl.deleteLink('p1') },
  { name: 'delete p0 (gone with its peer)', run: (nl) => nl.deleteLink('p0') },
  { name: 'delete missing route', run: (nl) => nl.deleteRoute({ dst: '10.2.0.0/24' }) },
];

async function outcome(step: Step, nl: Netlink): Promise<string> {
  try {
    await step.run(nl);
    return `${step.name}: ok`;
  } catch (err) {
    if (err instanceof NetlinkError) return `${step.name}: ${err.errno}`;
    throw err;
  }
}

/** What both must agree on: IPv4 routes of every protocol, IPv6 routes of Gingham's (the kernel adds fe80::/64 etc.). */
async function state(nl: Netlink): Promise<unknown> {
  const norm = (r: RouteInfo) => ({
    dst: r.dst,
    table: r.table,
    protocol: r.protocol,
    type: r.type,
    scope: r.scope,
    metric: r.metric,
    gateway: r.gateway,
    onlink: r.onlink,
    linkName: r.linkName,
    mtu: r.mtu,
    multipath: r.multipath?.map((h) => ({ gateway: h.gateway, linkName: h.linkName, weight: h.weight, onlink: h.onlink })),
  });
  const routes = [...(await nl.listRoutes({ family: 4 })), ...(await nl.listRoutes({ family: 6, protocol: GINGHAM_ROUTE_PROTOCOL }))]
    .map(norm)
    .sort((x, y) => `${x.table}${x.dst}${x.metric}`.localeCompare(`${y.table}${y.dst}${y.metric}`));
  const neigh = (await nl.listNeighbours(undefined, 4)).filter((n) => n.permanent).map((n) => `${n.ip} ${n.mac}`);
  const fdb = (await nl.listFdb()).map((e) => `${e.mac} ${e.dst}`);
  const links = (await nl.listLinks()).filter((l) => l.name !== 'lo').map((l) => `${l.name} ${l.kind} up=${l.up}`);
  return { routes, neigh, fdb, links };
}

describeIf(ok)('FakeNetlink matches the kernel', () => {
  let real: NetnsNetlink;
  let build = '';

  beforeAll(() => {
    spawnSync('ip', ['netns', 'add', ns], { timeout: 10000 });
    build = buildChild();
    real = startInNetns(ns, build);
  });

  afterAll(async () => {
    await real?.stop();
    spawnSync('ip', ['netns', 'del', ns], { timeout: 10000 });
    if (build) removeBuild(build);
  });

  it('gives the same outcome for every step and ends in the same state', async () => {
    const fake = new FakeNetlink();
    const got = { fake: [] as string[], real: [] as string[] };
    for (const s of steps) {
      got.fake.push(await outcome(s, fake));
      got.real.push(await outcome(s, real));
    }
    expect(got.fake).toEqual(got.real);
    expect(await state(fake)).toEqual(await state(real));
    const end = { fake: [] as string[], real: [] as string[] };
    for (const s of tail) {
      end.fake.push(await outcome(s, fake));
      end.real.push(await outcome(s, real));
    }
    expect(end.fake).toEqual(end.real);
    expect(await state(fake)).toEqual(await state(real));
  });
});
