// A node and its pods as network namespaces, wired as the CNI plugin wires them: each pod's eth0 is a veth whose host
// end (`cali*`, proxy ARP on) is in the node namespace with a /32 route to the pod; the pod routes everything via
// 169.254.1.1 on eth0. Shared by the real-kernel policy tests.
import { spawnSync } from 'node:child_process';
import { inNetns } from '../netlink/netns-client';

export interface PodNetns {
  readonly ip: string;
  readonly iface: string;
  readonly netns: string;
}

/**
 * Creates the node namespace with an address and a default route, as a node has them (proxy ARP answers the pods'
 * 169.254.1.1 gateway only for routable targets, and node -> pod connections need a source address), forwarding
 * on, and one namespace per pod wired to it.
 */
export function wireNodeAndPods(nodeNs: string, pods: readonly PodNetns[]): void {
  spawnSync('ip', ['netns', 'add', nodeNs], { timeout: 10000 });
  inNetns(nodeNs, ['sh', '-c', 'ip link set lo up && ip link add gw0 type veth peer name gw1 && ip link set gw0 up && ip link set gw1 up && ip addr add 192.168.255.1/32 dev gw0 && ip route add default dev gw0 && echo 1 > /proc/sys/net/ipv4/ip_forward']);
  for (const p of pods) {
    spawnSync('ip', ['netns', 'add', p.netns], { timeout: 10000 });
    inNetns(nodeNs, ['ip', 'link', 'add', p.iface, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', p.netns]);
    inNetns(nodeNs, ['sh', '-c', `ip link set ${p.iface} up && echo 1 > /proc/sys/net/ipv4/conf/${p.iface}/proxy_arp && ip route add ${p.ip}/32 dev ${p.iface}`]);
    inNetns(p.netns, ['sh', '-c', `ip link set lo up && ip addr add ${p.ip}/32 dev eth0 && ip link set eth0 up && ip route add 169.254.1.1 dev eth0 scope link && ip route add default via 169.254.1.1 dev eth0`]);
  }
}

/** Deletes the namespaces wireNodeAndPods made (their links go with them). */
export function removeNodeAndPods(nodeNs: string, pods: readonly PodNetns[]): void {
  for (const p of pods) spawnSync('ip', ['netns', 'del', p.netns], { timeout: 10000 });
  spawnSync('ip', ['netns', 'del', nodeNs], { timeout: 10000 });
}
