// The parts NetworkPolicy and GlobalNetworkPolicy share: rules, entity rules, ports, protocols and the default
// for `types`. Policy enforcement is outside Gingham's routing scope for now; the schema is kept whole so Calico
// policy YAML applies unchanged and round-trips.

import { checkEnum, checkIntRange, checkIpOrCidr, checkSelector } from './checks';
import type { Problems } from './errors';
import { arr, f, int, intOrStr, map, num, obj, str } from './schema';

export type PolicyType = 'Ingress' | 'Egress';

export interface EntityRule {
  nets?: string[];
  selector?: string;
  namespaceSelector?: string;
  services?: { name: string; namespace?: string };
  ports?: Array<number | string>;
  notNets?: string[];
  notSelector?: string;
  notPorts?: Array<number | string>;
  serviceAccounts?: { names?: string[]; selector?: string };
}

export interface PolicyRule {
  action: 'Allow' | 'Deny' | 'Log' | 'Pass';
  ipVersion?: 4 | 6;
  protocol?: number | string;
  icmp?: { type?: number; code?: number };
  notProtocol?: number | string;
  notICMP?: { type?: number; code?: number };
  source?: EntityRule;
  destination?: EntityRule;
  http?: { methods?: string[]; paths?: Array<{ exact?: string; prefix?: string }> };
  metadata?: { annotations?: Record<string, string> };
}

const icmpShape = obj([f('type', int, true), f('code', int, true)]);
const entityShape = obj([
  f('nets', arr(str)),
  f('selector', str),
  f('namespaceSelector', str),
  f('services', obj([f('name', str), f('namespace', str)]), true),
  f('ports', arr(intOrStr)),
  f('notNets', arr(str)),
  f('notSelector', str),
  f('notPorts', arr(intOrStr)),
  f('serviceAccounts', obj([f('names', arr(str)), f('selector', str)]), true),
]);

export const ruleShape = obj([
  f('action', str, true),
  f('ipVersion', int, true),
  f('protocol', intOrStr, true),
  f('icmp', icmpShape, true),
  f('notProtocol', intOrStr, true),
  f('notICMP', icmpShape, true),
  f('source', entityShape),
  f('destination', entityShape),
  f('http', obj([f('methods', arr(str)), f('paths', arr(obj([f('exact', str), f('prefix', str)])))]), true),
  f('metadata', obj([f('annotations', map(str))]), true),
]);

export const orderShape = num;

const PROTOCOL_NAMES = ['tcp', 'udp', 'icmp', 'icmpv6', 'sctp', 'udplite'];
const PORT_PROTOCOLS = ['tcp', 'udp', 'sctp', 'udplite', '6', '17', '132', '136'];

function checkProtocol(p: Problems, path: string, v: number | string | undefined): void {
  if (v === undefined) return;
  if (typeof v === 'number') checkIntRange(p, path, v, 1, 255);
  else if (!PROTOCOL_NAMES.includes(v.toLowerCase()) && !(/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 255)) {
    p.add(path, 'must be TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or a number 1-255');
  }
}

/** A port: a number, a range "min:max", or a named (container) port. */
function checkPort(p: Problems, path: string, v: number | string): void {
  if (typeof v === 'number') {
    checkIntRange(p, path, v, 0, 65535);
    return;
  }
  const range = /^(\d+):(\d+)$/.exec(v);
  if (range) {
    const lo = Number(range[1]);
    const hi = Number(range[2]);
    if (lo > hi || hi > 65535) p.add(path, 'port range must be "min:max" within 0-65535');
    return;
  }
  if (/^\d+$/.test(v)) {
    checkIntRange(p, path, Number(v), 0, 65535);
    return;
  }
  // Kubernetes IANA_SVC_NAME for named ports.
  if (!/^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(v)) p.add(path, `"${v}" is not a port, port range or port name`);
}

function checkIcmp(p: Problems, path: string, icmp: { type?: number; code?: number } | undefined, protocol: number | string | undefined): void {
  if (!icmp) return;
  const proto = String(protocol ?? '').toLowerCase();
  if (!['icmp', 'icmpv6', '1', '58'].includes(proto)) p.add(path, 'requires protocol ICMP or ICMPv6');
  checkIntRange(p, `${path}.type`, icmp.type, 0, 254);
  checkIntRange(p, `${path}.code`, icmp.code, 0, 255);
  if (icmp.code !== undefined && icmp.type === undefined) p.add(`${path}.code`, 'requires type');
}

function checkEntity(p: Problems, path: string, e: EntityRule | undefined, rule: PolicyRule): void {
  if (!e) return;
  for (const field of ['nets', 'notNets'] as const) {
    e[field]?.forEach((n, i) => {
      const c = checkIpOrCidr(p, `${path}.${field}[${i}]`, n);
      if (c && rule.ipVersion && c.family !== rule.ipVersion) p.add(`${path}.${field}[${i}]`, `must be IPv${rule.ipVersion} to match ipVersion`);
    });
  }
  checkSelector(p, `${path}.selector`, e.selector);
  checkSelector(p, `${path}.notSelector`, e.notSelector);
  checkSelector(p, `${path}.namespaceSelector`, e.namespaceSelector);
  checkSelector(p, `${path}.serviceAccounts.selector`, e.serviceAccounts?.selector);
  for (const field of ['ports', 'notPorts'] as const) {
    const ports = e[field];
    if (!ports?.length) continue;
    // Ports only mean something for protocols that have them.
    if (!PORT_PROTOCOLS.includes(String(rule.protocol ?? '').toLowerCase())) {
      p.add(`${path}.${field}`, 'requires protocol TCP, UDP, SCTP or UDPLite');
    }
    ports.forEach((port, i) => checkPort(p, `${path}.${field}[${i}]`, port));
  }
  if (e.services && !e.services.name) p.add(`${path}.services.name`, 'is required');
}

export function checkRules(p: Problems, path: string, rules: readonly PolicyRule[] | undefined): void {
  rules?.forEach((r, i) => {
    const at = `${path}[${i}]`;
    if (!r.action) p.add(`${at}.action`, 'is required');
    else checkEnum(p, `${at}.action`, r.action, ['Allow', 'Deny', 'Log', 'Pass']);
    if (r.ipVersion !== undefined && r.ipVersion !== 4 && r.ipVersion !== 6) p.add(`${at}.ipVersion`, 'must be 4 or 6');
    checkProtocol(p, `${at}.protocol`, r.protocol);
    checkProtocol(p, `${at}.notProtocol`, r.notProtocol);
    checkIcmp(p, `${at}.icmp`, r.icmp, r.protocol);
    checkIcmp(p, `${at}.notICMP`, r.notICMP, r.protocol);
    checkEntity(p, `${at}.source`, r.source, r);
    checkEntity(p, `${at}.destination`, r.destination, r);
  });
}

export function checkTypes(p: Problems, path: string, types: readonly string[] | undefined): void {
  types?.forEach((t, i) => checkEnum(p, `${path}[${i}]`, t, ['Ingress', 'Egress']));
  if (types && new Set(types).size !== types.length) p.add(path, 'must not repeat a type');
}

/**
 * Calico's default when `types` is empty (clientv3 defaultPolicyTypesField): Ingress unless the policy has only
 * egress rules, plus Egress when it has egress rules.
 */
export function defaultPolicyTypes(ingress: readonly unknown[] | undefined, egress: readonly unknown[] | undefined): PolicyType[] {
  const hasIngress = (ingress?.length ?? 0) > 0;
  const hasEgress = (egress?.length ?? 0) > 0;
  const out: PolicyType[] = [];
  if (hasIngress || !hasEgress) out.push('Ingress');
  if (hasEgress) out.push('Egress');
  return out;
}
