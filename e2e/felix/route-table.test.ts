// The felix route table against a real kernel: a namespace of the test's own with a veth pair and an "uplink", routes
// read back with `ip -j route`, and a real packet down the programmed /32 route. Nothing is added outside the
// namespaces this test creates.
import { spawnSync } from 'node:child_process';
import { systemClock } from '../../src/lib/clock';
import { nullLogger } from '../../src/lib/logger';
import { RouteTable } from '../../src/felix/route-table';
import { GINGHAM_ROUTE_PROTOCOL } from '../../src/netlink/netlink';
import { describeIf, requireTools } from '../lib/tools';
import { buildChild, inNetns, removeBuild, startInNetns, type NetnsNetlink } from '../netlink/netns-client';

const ok = requireTools('felix route table', ['ip', 'ping'], { root: true });

const suffix = `${process.pid}-${Date.now() % 100000}`;
const host = `gh-rt-h-${suffix}`;
const pod = `gh-rt-p-${suffix}`;
const router = `gh-rt-r-${suffix}`;

interface IpRoute {
  dst: string;
  type?: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  flags?: string[];
}

function routes(): IpRoute[] {
  return JSON.parse(inNetns(host, ['ip', '-j', 'route', 'show', 'table', 'main'])) as IpRoute[];
}

function text(r: IpRoute): string {
  return `${r.type && r.type !== 'unicast' ? r.type + ' ' : ''}${r.dst}${r.gateway ? ' via ' + r.gateway : ''}${r.dev ? ' dev ' + r.dev : ''}${r.flags?.includes('onlink') ? ' onlink' : ''} proto ${r.protocol}`;
}

describeIf(ok)('felix route table (real kernel, network namespaces)', () => {
  let nl: NetnsNetlink;
  let build = '';
  let rt: RouteTable;

  beforeAll(() => {
    for (const ns of [host, pod, router]) spawnSync('ip', ['netns', 'add', ns], { timeout: 10000 });
    // The host's uplink eth0 (a veth to a router namespace) and one workload: a veth with its far end in the pod.
    inNetns(host, ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'up0', 'netns', router]);
    inNetns(host, ['ip', 'addr', 'add', '10.0.0.12/24', 'dev', 'eth0']);
    inNetns(host, ['ip', 'link', 'set', 'eth0', 'up']);
    inNetns(router, ['ip', 'addr', 'add', '10.0.0.1/24', 'dev', 'up0']);
    inNetns(router, ['ip', 'link', 'set', 'up0', 'up']);
    // As on a real node, a default route: proxy ARP answers for 169.254.1.1 only because the host can route to it.
    inNetns(host, ['ip', 'route', 'add', 'default', 'via', '10.0.0.1', 'dev', 'eth0']);
    inNetns(host, ['ip', 'link', 'add', 'calitest000001', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod]);
    inNetns(host, ['ip', 'link', 'set', 'calitest000001', 'up']);
    inNetns(host, ['ip', 'link', 'set', 'lo', 'up']);
    // Proxy ARP answers the pod's ARP for 169.254.1.1, and the kernel only proxies on a forwarding host.
    inNetns(host, ['sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward; echo 1 > /proc/sys/net/ipv4/conf/calitest000001/proxy_arp']);
    inNetns(pod, ['ip', 'addr', 'add', '10.244.0.2/32', 'dev', 'eth0']);
    inNetns(pod, ['ip', 'link', 'set', 'eth0', 'up']);
    inNetns(pod, ['ip', 'route', 'add', '169.254.1.1', 'dev', 'eth0', 'scope', 'link']);
    inNetns(pod, ['ip', 'route', 'add', 'default', 'via', '169.254.1.1', 'dev', 'eth0']);
    // A route that is not ours: it must survive everything below.
    inNetns(host, ['ip', 'route', 'add', '192.168.77.0/24', 'via', '10.0.0.1', 'proto', 'static']);
    build = buildChild();
    nl = startInNetns(host, build);
    rt = new RouteTable({ netlink: nl, clock: systemClock, logger: nullLogger, resyncIntervalMs: 0 });
  });

  afterAll(async () => {
    rt?.close();
    await nl?.stop();
    for (const ns of [host, pod, router]) spawnSync('ip', ['netns', 'del', ns], { timeout: 10000 });
    if (build) removeBuild(build);
  });

  it('programs the tutorial route shapes with protocol 81 and leaves the static route alone', async () => {
    rt.setRoutes([
      { dst: '10.244.0.0/24', type: 'blackhole' },
      { dst: '10.244.0.2/32', linkName: 'calitest000001' },
      { dst: '10.244.1.0/24', gateway: '10.0.0.15', linkName: 'eth0' },
      { dst: '10.244.2.0/24', gateway: '10.0.0.16', linkName: 'eth0', onlink: true },
    ]);
    const res = await rt.apply();
    expect(res).toMatchObject({ written: 4, failures: [], conflicts: [] });
    const ours = routes().filter((r) => r.protocol === String(GINGHAM_ROUTE_PROTOCOL)).map(text).sort();
    expect(ours).toEqual([
      '10.244.0.2 dev calitest000001 proto 81',
      '10.244.1.0/24 via 10.0.0.15 dev eth0 proto 81',
      '10.244.2.0/24 via 10.0.0.16 dev eth0 onlink proto 81',
      'blackhole 10.244.0.0/24 proto 81',
    ]);
    expect(routes().map(text)).toContain('192.168.77.0/24 via 10.0.0.1 dev eth0 proto static');
    // The kernel's own view matches the desired state: a resync finds nothing to do.
    rt.markResync();
    expect(await rt.apply()).toMatchObject({ written: 0, deleted: 0, resynced: true });
  });

  it('delivers a real packet from the host to the workload through the /32 route', () => {
    const res = spawnSync('ip', ['netns', 'exec', host, 'ping', '-c', '1', '-W', '2', '10.244.0.2'], { encoding: 'utf8', timeout: 10000 });
    expect(res.status).toBe(0);
  });

  it('withdraws what is no longer desired, restores what was deleted by hand, and never touches the static route', async () => {
    inNetns(host, ['ip', 'route', 'del', 'blackhole', '10.244.0.0/24']);
    rt.setRoutes([
      { dst: '10.244.0.0/24', type: 'blackhole' },
      { dst: '10.244.0.2/32', linkName: 'calitest000001' },
    ]);
    rt.markResync();
    const res = await rt.apply();
    expect(res).toMatchObject({ written: 1, deleted: 2, failures: [] });
    expect(routes().filter((r) => r.protocol === String(GINGHAM_ROUTE_PROTOCOL)).map(text).sort()).toEqual([
      '10.244.0.2 dev calitest000001 proto 81',
      'blackhole 10.244.0.0/24 proto 81',
    ]);
    rt.setRoutes([]);
    expect(await rt.apply()).toMatchObject({ deleted: 2 });
    expect(routes().filter((r) => r.protocol === String(GINGHAM_ROUTE_PROTOCOL))).toEqual([]);
    expect(routes().map(text)).toContain('192.168.77.0/24 via 10.0.0.1 dev eth0 proto static');
  });
});
