// Small field validators shared by the kind files. Each adds a problem in the common format (path + rule) and
// returns the parsed value so a caller can go on to cross-field rules without parsing twice.

import { tryParseCidr, tryParseIp, type Cidr, type IpAddr, formatCidr, maskCidr } from '../lib/ip';
import { parseAsn } from './asn';
import { parseDuration } from './duration';
import type { Problems } from './errors';
import { selectorProblem } from './selector';

export function checkEnum(p: Problems, path: string, v: string | undefined, allowed: readonly string[]): void {
  if (v !== undefined && !allowed.includes(v)) p.add(path, `must be one of ${allowed.join(', ')}`);
}

export function checkRequired(p: Problems, path: string, v: unknown): boolean {
  if (v === undefined || v === '') {
    p.add(path, 'is required');
    return false;
  }
  return true;
}

export function checkIp(p: Problems, path: string, v: string | undefined): IpAddr | undefined {
  if (v === undefined || v === '') return undefined;
  const ip = tryParseIp(v);
  if (!ip) p.add(path, `"${v}" is not a valid IP address`);
  return ip;
}

/** `masked`: the value must already be in canonical masked form, as Calico requires for pool and block CIDRs. */
export function checkCidr(p: Problems, path: string, v: string | undefined, masked = false): Cidr | undefined {
  if (v === undefined || v === '') return undefined;
  const c = tryParseCidr(v);
  if (!c) {
    p.add(path, `"${v}" is not a valid CIDR`);
    return undefined;
  }
  if (masked && formatCidr(maskCidr(c)) !== v) p.add(path, `must be in canonical form ${formatCidr(maskCidr(c))}`);
  return c;
}

/** An address with an optional prefix length ("10.0.0.12/16" or "10.0.0.12"), as Node.spec.bgp.ipv4Address. */
export function checkIpOrCidr(p: Problems, path: string, v: string | undefined, family?: 4 | 6): Cidr | undefined {
  if (v === undefined || v === '') return undefined;
  const c = v.includes('/') ? tryParseCidr(v) : (() => {
    const ip = tryParseIp(v);
    return ip ? { family: ip.family, addr: ip.value, prefixLen: ip.family === 4 ? 32 : 128 } : undefined;
  })();
  if (!c) p.add(path, `"${v}" is not a valid IP address or CIDR`);
  else if (family && c.family !== family) p.add(path, `must be an IPv${family} address`);
  return c;
}

export function checkSelector(p: Problems, path: string, v: string | undefined): void {
  if (v === undefined) return;
  const problem = selectorProblem(v);
  if (problem) p.add(path, problem);
}

export function checkAsn(p: Problems, path: string, v: number | string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const asn = parseAsn(v);
  if (asn === undefined) {
    // YAML reads an unquoted 1.10 as the number 1.1, so a dotted AS number must be quoted to survive.
    if (typeof v === 'number' && !Number.isInteger(v)) p.add(path, 'dotted AS numbers must be quoted ("1.10")');
    else p.add(path, `"${String(v)}" is not a valid AS number (0-4294967295, or dotted "a.b")`);
  }
  return asn;
}

export function checkDuration(p: Problems, path: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = parseDuration(v);
  if (ms === undefined) p.add(path, `"${v}" is not a valid duration (e.g. "120s", "1m30s")`);
  else if (ms < 0) p.add(path, 'must not be negative');
  return ms;
}

export function checkIntRange(p: Problems, path: string, v: number | undefined, min: number, max: number): void {
  if (v !== undefined && (v < min || v > max)) p.add(path, `must be between ${min} and ${max}`);
}

const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_SUBDOMAIN_RE = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);

/** Kubernetes resource names: an RFC 1123 subdomain, at most 253 characters. */
export function checkName(p: Problems, path: string, v: string | undefined): void {
  if (!v) return;
  if (v.length > 253 || !DNS_SUBDOMAIN_RE.test(v)) {
    p.add(path, `"${v}" must consist of lower case letters, digits, "-" and ".", start and end with a letter or digit, and be at most 253 characters`);
  }
}

const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Kubernetes label rules: optional DNS-subdomain prefix + "/" + name of at most 63; values at most 63. */
export function checkLabels(p: Problems, path: string, labels: Record<string, string> | undefined): void {
  for (const [k, v] of Object.entries(labels ?? {})) {
    const slash = k.lastIndexOf('/');
    const prefix = slash >= 0 ? k.slice(0, slash) : undefined;
    const name = slash >= 0 ? k.slice(slash + 1) : k;
    if ((prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN_RE.test(prefix))) || name.length > 63 || !LABEL_NAME_RE.test(name)) {
      p.add(`${path}.${k}`, 'is not a valid label key');
    }
    if (v.length > 63 || !LABEL_VALUE_RE.test(v)) p.add(`${path}.${k}`, `"${v}" is not a valid label value`);
  }
}

/** A peer address "IP", "IPv4:port" or "[IPv6]:port" (BGPPeer.spec.peerIP). */
export function checkIpPort(p: Problems, path: string, v: string | undefined): IpAddr | undefined {
  if (v === undefined || v === '') return undefined;
  let host = v;
  let port: string | undefined;
  const bracket = /^\[([^\]]+)\]:(\d+)$/.exec(v);
  const v4port = /^([\d.]+):(\d+)$/.exec(v);
  if (bracket) [, host = '', port] = bracket;
  else if (v4port) [, host = '', port] = v4port;
  const ip = tryParseIp(host);
  if (!ip || (bracket && ip.family !== 6) || (v4port && ip.family !== 4)) {
    p.add(path, `"${v}" must be an IP address, "IPv4:port" or "[IPv6]:port"`);
    return undefined;
  }
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) p.add(path, 'port must be between 1 and 65535');
  return ip;
}
