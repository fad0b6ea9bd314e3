// IPPool: a range pod (and tunnel, load-balancer) addresses come from, and how traffic to it is encapsulated.
// Defaults as libcalico-go's clientv3 stores them; validation as Calico's validator plus the IPPool client rules.

import { formatCidr, isLinkLocal, maskCidr, tryParseCidr } from '../lib/ip';
import { checkCidr, checkEnum, checkRequired, checkSelector } from './checks';
import type { Problems } from './errors';
import { clone, type KindInfo, type Resource } from './meta';
import { arr, bool, f, int, obj, str } from './schema';

export type EncapMode = 'Never' | 'Always' | 'CrossSubnet';
export type IPPoolAllowedUse = 'Workload' | 'Tunnel' | 'LoadBalancer';

export interface IPPoolSpec {
  cidr: string;
  vxlanMode?: EncapMode;
  ipipMode?: EncapMode;
  natOutgoing?: boolean;
  disabled?: boolean;
  disableBGPExport?: boolean;
  blockSize?: number;
  nodeSelector?: string;
  namespaceSelector?: string;
  allowedUses?: IPPoolAllowedUse[];
  assignmentMode?: 'Automatic' | 'Manual';
}

export type IPPool = Resource<'IPPool', IPPoolSpec>;

export const ENCAP_MODES: readonly EncapMode[] = ['Always', 'CrossSubnet', 'Never'];
export const DEFAULT_BLOCK_SIZE = { 4: 26, 6: 122 } as const;
const BLOCK_SIZE_RANGE = { 4: [20, 32], 6: [116, 128] } as const;

const ipPoolSpecShape = obj([
  f('cidr', str, true),
  f('vxlanMode', str),
  f('ipipMode', str),
  f('natOutgoing', bool),
  f('disabled', bool),
  f('disableBGPExport', bool),
  f('blockSize', int),
  f('nodeSelector', str),
  f('namespaceSelector', str),
  // APIv1 leftovers: accepted by the decoder so the error can say they must not be set.
  f('ipip', obj([f('enabled', bool), f('mode', str)])),
  f('nat-outgoing', bool),
  f('allowedUses', arr(str)),
  f('assignmentMode', str),
]);

const statusShape = obj([f('conditions', arr(obj([], true)))], true);

function defaults(res: IPPool): IPPool {
  const out = clone(res);
  const spec: IPPoolSpec = out.spec ?? { cidr: '' };
  out.spec = spec;
  const cidr = typeof spec.cidr === 'string' ? tryParseCidr(spec.cidr) : undefined;
  if (cidr) {
    // Store the canonical text (lower-case, compressed IPv6) when the value is otherwise the same network.
    const masked = maskCidr(cidr);
    if (masked.addr === cidr.addr) spec.cidr = formatCidr(masked);
    spec.blockSize ??= DEFAULT_BLOCK_SIZE[cidr.family];
  }
  spec.ipipMode ||= 'Never';
  spec.vxlanMode ||= 'Never';
  spec.nodeSelector ||= 'all()';
  if (!spec.allowedUses || spec.allowedUses.length === 0) spec.allowedUses = ['Workload', 'Tunnel'];
  return out;
}

function validate(res: IPPool, p: Problems): void {
  const spec = res.spec;
  if (!spec) {
    p.add('spec', 'is required');
    return;
  }
  const raw = spec as IPPoolSpec & { ipip?: unknown; 'nat-outgoing'?: boolean };
  if (raw.ipip !== undefined) p.add('spec.ipip', 'must not be set (APIv1 field; use spec.ipipMode)');
  if (raw['nat-outgoing']) p.add('spec.nat-outgoing', 'must not be set (APIv1 field; use spec.natOutgoing)');

  let cidr = undefined;
  if (checkRequired(p, 'spec.cidr', spec.cidr)) {
    cidr = checkCidr(p, 'spec.cidr', spec.cidr, true);
    if (cidr && isLinkLocal(cidr)) p.add('spec.cidr', 'must not overlap the link-local range');
  }
  checkEnum(p, 'spec.ipipMode', spec.ipipMode, ENCAP_MODES);
  checkEnum(p, 'spec.vxlanMode', spec.vxlanMode, ENCAP_MODES);
  const ipip = spec.ipipMode !== undefined && spec.ipipMode !== 'Never';
  const vxlan = spec.vxlanMode !== undefined && spec.vxlanMode !== 'Never';
  if (ipip && vxlan) p.add('spec.vxlanMode', 'cannot be enabled together with spec.ipipMode');

  if (cidr) {
    const fam = cidr.family;
    // IPIP carries IPv4 inside IPv4 only (tunl0); Calico refuses it on IPv6 pools.
    if (fam === 6 && ipip) p.add('spec.ipipMode', 'IPIP is not supported on an IPv6 pool; must be Never');
    if (spec.blockSize !== undefined) {
      const [min, max] = BLOCK_SIZE_RANGE[fam];
      if (spec.blockSize < min || spec.blockSize > max) {
        p.add('spec.blockSize', `must be between ${min} and ${max} for IPv${fam}`);
      } else if (spec.blockSize < cidr.prefixLen) {
        p.add('spec.blockSize', `must not be smaller than the pool's prefix length /${cidr.prefixLen}`);
      }
    }
  }

  checkSelector(p, 'spec.nodeSelector', spec.nodeSelector);
  checkSelector(p, 'spec.namespaceSelector', spec.namespaceSelector);
  checkEnum(p, 'spec.assignmentMode', spec.assignmentMode, ['Automatic', 'Manual']);

  const uses = spec.allowedUses ?? [];
  uses.forEach((u, i) => checkEnum(p, `spec.allowedUses[${i}]`, u, ['Workload', 'Tunnel', 'LoadBalancer']));
  if (uses.includes('LoadBalancer')) {
    if (uses.length > 1) p.add('spec.allowedUses', 'LoadBalancer cannot be combined with other uses');
    if (ipip || vxlan) p.add('spec.allowedUses', 'a LoadBalancer pool cannot use IPIP or VXLAN');
    if (spec.nodeSelector !== undefined && spec.nodeSelector.trim() !== 'all()' && spec.nodeSelector.trim() !== '') {
      p.add('spec.nodeSelector', 'must be all() for a LoadBalancer pool');
    }
  }
}

export const ipPoolKind: KindInfo<IPPool> = {
  kind: 'IPPool',
  plural: 'ippools',
  aliases: ['ippool', 'ipp', 'ipps', 'pool', 'pools'],
  namespaced: false,
  specShape: ipPoolSpecShape,
  statusShape,
  defaults,
  validate,
};
