// Tunnel addresses, as calico-node's allocateip does (node/pkg/allocateip/allocateip.go): when an enabled IPv4 pool
// that selects this node uses VXLAN (or IPIP), the node's vxlan.calico (or tunl0) gets one address from IPAM, under
// the handle `vxlan-tunnel-addr-<node>` (`ipip-tunnel-addr-<node>`), written to Node.spec.ipv4VXLANTunnelAddr
// (spec.bgp.ipv4IPIPTunnelAddr). An address still valid (in such a pool) is kept; when no pool needs the tunnel any
// more the address is released and the field cleared.
import type { IPPool } from '../api/kind-ippool';
import type { CalicoNode } from '../api/kind-node';
import { compileSelector } from '../api/selector';
import { updateWithRetry, type Datastore } from '../datastore';
import type { IpamAllocator } from '../ipam';
import { cidrContains, parseCidr, parseIp, tryParseCidr } from '../lib/ip';

export type TunnelKind = 'vxlan' | 'ipip';

const handleOf = (kind: TunnelKind, node: string): string => `${kind}-tunnel-addr-${node}`;

function currentAddress(n: CalicoNode, kind: TunnelKind): string | undefined {
  return kind === 'vxlan' ? n.spec?.ipv4VXLANTunnelAddr : n.spec?.bgp?.ipv4IPIPTunnelAddr;
}

function withAddress(n: CalicoNode, kind: TunnelKind, address: string | undefined): CalicoNode {
  const spec = { ...(n.spec ?? {}) };
  if (kind === 'vxlan') {
    if (address === undefined) delete spec.ipv4VXLANTunnelAddr;
    else spec.ipv4VXLANTunnelAddr = address;
  } else {
    const bgp = { ...(spec.bgp ?? {}) };
    if (address === undefined) delete bgp.ipv4IPIPTunnelAddr;
    else bgp.ipv4IPIPTunnelAddr = address;
    spec.bgp = bgp;
  }
  return { ...n, spec };
}

/** Pools whose encapsulation of `kind` is on, that are enabled, IPv4, allowed for tunnels, and select the node. */
export function tunnelPools(pools: readonly IPPool[], node: CalicoNode, kind: TunnelKind): IPPool[] {
  return pools.filter((p) => {
    const s = p.spec;
    if (s === undefined || s.disabled || tryParseCidr(s.cidr)?.family !== 4) return false;
    const mode = kind === 'vxlan' ? s.vxlanMode : s.ipipMode;
    if (mode === undefined || mode === 'Never') return false;
    if (s.allowedUses !== undefined && !s.allowedUses.includes('Tunnel')) return false;
    try {
      return compileSelector(s.nodeSelector ?? 'all()').matches(node.metadata.labels ?? {});
    } catch {
      return false;
    }
  });
}

/**
 * Makes the node's tunnel address of `kind` what the pools call for. Returns the address now on the Node (or
 * undefined). Idempotent; safe to call on every change.
 */
export async function ensureTunnelAddress(store: Datastore, ipam: IpamAllocator, node: CalicoNode, pools: readonly IPPool[], kind: TunnelKind): Promise<string | undefined> {
  const name = node.metadata.name;
  const eligible = tunnelPools(pools, node, kind);
  const have = currentAddress(node, kind);
  const inEligible = (ip: string): boolean => eligible.some((p) => cidrContains(parseCidr(p.spec?.cidr ?? ''), parseIp(ip)));
  if (have !== undefined && inEligible(have)) return have;
  // Nothing to hold and nothing held: no datastore round trip (this runs on every change the agent sees).
  if (have === undefined && eligible.length === 0) return undefined;
  // The handle may already hold an address that has not reached this copy of the Node yet (our own earlier write):
  // reuse it rather than take a second one.
  const held = await ipam.ipsByHandle(handleOf(kind, name));
  let next: string | undefined = held.find(inEligible);
  if (next === undefined && held.length > 0) await ipam.releaseByHandle(handleOf(kind, name));
  if (next === undefined && eligible.length > 0) {
    const res = await ipam.autoAssign({
      handleId: handleOf(kind, name),
      hostname: name,
      num4: 1,
      pools: eligible.map((p) => p.metadata.name),
      attrs: { node: name, type: kind === 'vxlan' ? 'vxlanTunnelAddress' : 'ipipTunnelAddress' },
      intendedUse: 'Tunnel',
    });
    next = res.ipv4[0]?.split('/')[0];
  }
  if (next === have) return have;
  try {
    await updateWithRetry<CalicoNode>(store, 'Node', name, undefined, (cur) => withAddress(cur, kind, next));
  } catch (err) {
    // Never leak the address we just took.
    if (next !== undefined) await ipam.releaseByHandle(handleOf(kind, name));
    throw err;
  }
  return next;
}
