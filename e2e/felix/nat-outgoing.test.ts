// NAT outgoing on a real kernel: a pod namespace behind a node namespace, and an "outside" namespace that has no route
// back to the pod pool. A ping from the pod to the outside fails until the natOutgoing chain is programmed in the
// node (then it is masqueraded to the node address and answered), and works no more once the pool drops natOutgoing.
import { spawnSync } from 'node:child_process';
import { NatOutgoing, type CommandRunner } from '../../src/felix/nat-outgoing';
import { describeIf, requireTools } from '../lib/tools';
import { inNetns } from '../netlink/netns-client';

const ok = requireTools('felix nat outgoing', ['ip', 'ping', 'iptables', 'iptables-restore'], { root: true });

const suffix = `${process.pid % 10000}${Date.now() % 1000}`;
const node = `gh-nat-n-${suffix}`;
const pod = `gh-nat-p-${suffix}`;
const outside = `gh-nat-o-${suffix}`;

const sh = (ns: string, cmd: string): void => void inNetns(ns, ['sh', '-c', cmd]);

function pingOutside(): boolean {
  return spawnSync('ip', ['netns', 'exec', pod, 'ping', '-c', '1', '-W', '2', '172.31.0.1'], { timeout: 10000 }).status === 0;
}

describeIf(ok)('felix NAT outgoing (real kernel, network namespaces)', () => {
  const runInNode: CommandRunner = async (argv, stdin) => {
    const res = spawnSync('ip', ['netns', 'exec', node, ...argv], { input: stdin, encoding: 'utf8', timeout: 15000 });
    return { code: res.status ?? 1, stdout: res.stdout ?? '', stderr: res.stderr ?? String(res.error ?? '') };
  };

  beforeAll(() => {
    for (const ns of [node, pod, outside]) spawnSync('ip', ['netns', 'add', ns], { timeout: 10000 });
    inNetns(node, ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outside]);
    sh(node, 'ip addr add 172.31.0.12/24 dev eth0 && ip link set eth0 up && ip link set lo up && ip route add default via 172.31.0.1 && echo 1 > /proc/sys/net/ipv4/ip_forward');
    sh(outside, 'ip addr add 172.31.0.1/24 dev eth0 && ip link set eth0 up');
    inNetns(node, ['ip', 'link', 'add', 'calinat0000001', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod]);
    sh(node, 'ip link set calinat0000001 up && echo 1 > /proc/sys/net/ipv4/conf/calinat0000001/proxy_arp && ip route add 10.244.0.2/32 dev calinat0000001');
    sh(pod, 'ip addr add 10.244.0.2/32 dev eth0 && ip link set eth0 up && ip route add 169.254.1.1 dev eth0 scope link && ip route add default via 169.254.1.1 dev eth0');
  });

  afterAll(() => {
    for (const ns of [node, pod, outside]) spawnSync('ip', ['netns', 'del', ns], { timeout: 10000 });
  });

  it('masquerades pool traffic leaving the cluster only while the pool has natOutgoing', async () => {
    expect(pingOutside()).toBe(false);
    const nat = new NatOutgoing(runInNode);
    await nat.apply([{ cidr: '10.244.0.0/16', natOutgoing: true }]);
    expect(inNetns(node, ['iptables', '-t', 'nat', '-S'])).toContain('-A POSTROUTING -m comment --comment "gingham: nat outgoing" -j gingham-nat-outgoing');
    expect(pingOutside()).toBe(true);
    await nat.apply([{ cidr: '10.244.0.0/16', natOutgoing: false }]);
    expect(inNetns(node, ['iptables', '-t', 'nat', '-S', 'gingham-nat-outgoing']).trim()).toBe('-N gingham-nat-outgoing');
    // conntrack remembers the earlier flow's NAT; a new ICMP id makes a new flow, which is not masqueraded.
    expect(pingOutside()).toBe(false);
  });
});
