// The lab's shape as data: which namespaces, links, addresses, nodes and pods `gingham lab up` builds, computed from
// the options alone (pure, so `up`, `status` and `down` agree on names). The default is the tutorial's: master1
// 10.0.0.12, node1 10.0.0.15, node2 10.0.0.16 on 10.0.0.0/24, more nodes at .17, .18, ...; with two subnets every
// second node sits on 10.0.1.0/24 behind the lab's router (the LAN namespace routes between its two bridges).
import { GinghamError } from '../lib/errors';

export type LabEncap = 'none' | 'vxlan' | 'ipip';

export interface LabOptions {
  readonly nodes: number;
  readonly podsPerNode: number;
  readonly encap: LabEncap;
  readonly subnets: 1 | 2;
  readonly routeReflector?: string;
  /** Automatic route reflectors: run `gingham controllers run` choosing this many reflectors (instead of --route-reflector). */
  readonly autoRouteReflectors?: number;
  /** Prefix of every namespace the lab creates (how `down` finds leftovers). */
  readonly prefix: string;
}

export interface LabSubnet {
  readonly bridge: string;
  /** The LAN namespace's address on the bridge, the nodes' default gateway. */
  readonly gateway: string;
  readonly cidr: string;
}

export interface LabNode {
  readonly name: string;
  readonly namespace: string;
  /** Address with prefix length, as the Node resource carries it. */
  readonly cidr: string;
  readonly address: string;
  readonly subnet: number;
  /** The veth end in the LAN namespace (its peer is eth0 in the node namespace). */
  readonly lanLink: string;
}

export interface LabPod {
  readonly name: string;
  readonly node: string;
  readonly namespace: string;
}

export interface LabTopology {
  readonly lanNamespace: string;
  readonly subnets: readonly LabSubnet[];
  readonly nodes: readonly LabNode[];
  readonly pods: readonly LabPod[];
  readonly etcdEndpoint: string;
  readonly pool: { readonly cidr: string; readonly blockSize: number };
}

export const LAB_POOL_CIDR = '10.244.0.0/16';
export const LAB_BLOCK_SIZE = 24;
export const LAB_MAX_NODES = 100;
export const LAB_MAX_PODS = 20;

export class LabOptionError extends GinghamError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('LabOptionInvalid', `${field}: ${message}`);
  }
}

const TUTORIAL_NODES = ['master1', 'node1', 'node2'];

function nodeName(i: number): string {
  return TUTORIAL_NODES[i] ?? `node${i}`;
}

function hostOctet(i: number): number {
  return i === 0 ? 12 : 14 + i;
}

export function validateLabOptions(o: LabOptions): void {
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > LAB_MAX_NODES) throw new LabOptionError('--nodes', `must be an integer 1..${LAB_MAX_NODES}, got ${o.nodes}`);
  if (!Number.isInteger(o.podsPerNode) || o.podsPerNode < 0 || o.podsPerNode > LAB_MAX_PODS) throw new LabOptionError('--pods-per-node', `must be an integer 0..${LAB_MAX_PODS}, got ${o.podsPerNode}`);
  if (!['none', 'vxlan', 'ipip'].includes(o.encap)) throw new LabOptionError('--encap', `must be none, vxlan or ipip, got "${o.encap}"`);
  if (o.subnets !== 1 && o.subnets !== 2) throw new LabOptionError('--subnets', `must be 1 or 2, got ${String(o.subnets)}`);
  if (o.subnets === 2 && o.nodes < 2) throw new LabOptionError('--subnets', 'two subnets need at least two nodes');
  if (!/^[a-z0-9][a-z0-9-]{0,15}$/.test(o.prefix)) throw new LabOptionError('--prefix', `must be 1-16 lowercase letters, digits or dashes, got "${o.prefix}"`);
  if (o.autoRouteReflectors !== undefined) {
    if (!Number.isInteger(o.autoRouteReflectors) || o.autoRouteReflectors < 1 || o.autoRouteReflectors > o.nodes) throw new LabOptionError('--auto-route-reflectors', `must be an integer 1..${o.nodes} (the node count), got ${o.autoRouteReflectors}`);
    if (o.routeReflector !== undefined) throw new LabOptionError('--auto-route-reflectors', 'cannot be combined with --route-reflector');
  }
  if (o.routeReflector !== undefined) {
    const names = Array.from({ length: o.nodes }, (_, i) => nodeName(i));
    if (!names.includes(o.routeReflector)) throw new LabOptionError('--route-reflector', `"${o.routeReflector}" is not a lab node (${names.join(', ')})`);
  }
}

export function labTopology(o: LabOptions): LabTopology {
  validateLabOptions(o);
  const subnets: LabSubnet[] = Array.from({ length: o.subnets }, (_, s) => ({ bridge: `br${s}`, gateway: `10.0.${s}.1`, cidr: `10.0.${s}.0/24` }));
  const nodes: LabNode[] = Array.from({ length: o.nodes }, (_, i) => {
    const subnet = o.subnets === 2 ? i % 2 : 0;
    const address = `10.0.${subnet}.${hostOctet(i)}`;
    const name = nodeName(i);
    return { name, namespace: `${o.prefix}${name}`, cidr: `${address}/24`, address, subnet, lanLink: `n${i}` };
  });
  const pods: LabPod[] = nodes.flatMap((n) =>
    Array.from({ length: o.podsPerNode }, (_, i) => ({ name: `${n.name}-pod${i}`, node: n.name, namespace: `${o.prefix}${n.name}-pod${i}` })),
  );
  return {
    lanNamespace: `${o.prefix}lan`,
    subnets,
    nodes,
    pods,
    etcdEndpoint: 'http://10.0.0.1:2379',
    pool: { cidr: LAB_POOL_CIDR, blockSize: LAB_BLOCK_SIZE },
  };
}

/** calico-node's environment for one lab node (the pool mode follows --encap). */
export function nodeEnvironment(t: LabTopology, n: LabNode, encap: LabEncap): Record<string, string> {
  return {
    NODENAME: n.name,
    IP: n.cidr,
    DATASTORE_TYPE: 'etcdv3',
    ETCD_ENDPOINTS: t.etcdEndpoint,
    CALICO_IPV4POOL_CIDR: t.pool.cidr,
    CALICO_IPV4POOL_BLOCK_SIZE: String(t.pool.blockSize),
    CALICO_IPV4POOL_IPIP: encap === 'ipip' ? 'Always' : 'Never',
    CALICO_IPV4POOL_VXLAN: encap === 'vxlan' ? 'Always' : 'Never',
    CALICO_IPV4POOL_NAT_OUTGOING: 'true',
  };
}
