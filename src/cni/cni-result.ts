// The result of ADD (SPEC.md "Result"), held in one internal form and rendered in the configuration's cniVersion:
// 0.3.0, 0.3.1 and 0.4.0 carry ips[].version ("4"/"6"); 1.0.0 removed it. Also parses an IPAM plugin's result
// (host-local's, or a prevResult) back into the internal form. Pure.
import { parseCidr } from '../lib/ip';
import { CNI_ERR, CniError } from './cni-error';
import { compareVersions } from './cni-version';

export interface CniInterface {
  readonly name: string;
  readonly mac?: string;
  /** The netns path for container interfaces; absent for host interfaces. */
  readonly sandbox?: string;
}

export interface CniIp {
  /** CIDR: the address and its prefix, e.g. "10.244.1.7/32". */
  readonly address: string;
  readonly gateway?: string;
  /** Index into interfaces. */
  readonly interface?: number;
}

export interface CniRoute {
  readonly dst: string;
  readonly gw?: string;
}

export interface CniDns {
  readonly nameservers?: readonly string[];
  readonly domain?: string;
  readonly search?: readonly string[];
  readonly options?: readonly string[];
}

export interface CniResult {
  readonly interfaces: readonly CniInterface[];
  readonly ips: readonly CniIp[];
  readonly routes: readonly CniRoute[];
  readonly dns: CniDns;
}

/** The JSON object printed on stdout for ADD, in `cniVersion`'s shape. */
export function renderResult(r: CniResult, cniVersion: string, opts: { ipamOnly?: boolean } = {}): Record<string, unknown> {
  const withVersion = compareVersions(cniVersion, '1.0.0') < 0;
  const ips = r.ips.map((ip) => {
    const out: Record<string, unknown> = {};
    if (withVersion) out.version = String(parseCidr(ip.address).family);
    out.address = ip.address;
    if (ip.gateway !== undefined) out.gateway = ip.gateway;
    if (ip.interface !== undefined && !opts.ipamOnly) out.interface = ip.interface;
    return out;
  });
  const out: Record<string, unknown> = { cniVersion };
  // IPAM plugins omit interfaces (SPEC.md "IP Allocation").
  if (!opts.ipamOnly) out.interfaces = r.interfaces.map((i) => ({ ...i }));
  out.ips = ips;
  if (r.routes.length > 0) out.routes = r.routes.map((x) => ({ ...x }));
  out.dns = { ...r.dns };
  return out;
}

function bad(field: string, why: string): CniError {
  return new CniError(CNI_ERR.DECODE, `IPAM result: ${field} ${why}`);
}

/** Parses an IPAM plugin's or a prevResult's JSON (any supported version) into the internal form. */
export function parseResult(o: unknown, source = 'result'): CniResult {
  if (typeof o !== 'object' || o === null) throw bad(source, 'is not an object');
  const r = o as Record<string, unknown>;
  const interfaces: CniInterface[] = [];
  if (r.interfaces !== undefined) {
    if (!Array.isArray(r.interfaces)) throw bad(`${source}.interfaces`, 'is not a list');
    for (const [i, x] of (r.interfaces as unknown[]).entries()) {
      const it = x as Record<string, unknown>;
      if (typeof it?.name !== 'string') throw bad(`${source}.interfaces[${i}].name`, 'is not a string');
      interfaces.push({
        name: it.name,
        ...(typeof it.mac === 'string' ? { mac: it.mac } : {}),
        ...(typeof it.sandbox === 'string' && it.sandbox !== '' ? { sandbox: it.sandbox } : {}),
      });
    }
  }
  const ips: CniIp[] = [];
  if (!Array.isArray(r.ips ?? [])) throw bad(`${source}.ips`, 'is not a list');
  for (const [i, x] of ((r.ips ?? []) as unknown[]).entries()) {
    const ip = x as Record<string, unknown>;
    if (typeof ip?.address !== 'string') throw bad(`${source}.ips[${i}].address`, 'is not a string');
    try {
      parseCidr(ip.address);
    } catch {
      throw bad(`${source}.ips[${i}].address`, `"${ip.address}" is not a CIDR`);
    }
    ips.push({
      address: ip.address,
      ...(typeof ip.gateway === 'string' ? { gateway: ip.gateway } : {}),
      ...(typeof ip.interface === 'number' ? { interface: ip.interface } : {}),
    });
  }
  const routes: CniRoute[] = [];
  for (const x of (Array.isArray(r.routes) ? r.routes : []) as unknown[]) {
    const rt = x as Record<string, unknown>;
    if (typeof rt?.dst === 'string') routes.push({ dst: rt.dst, ...(typeof rt.gw === 'string' ? { gw: rt.gw } : {}) });
  }
  const dns = typeof r.dns === 'object' && r.dns !== null ? (r.dns as CniDns) : {};
  return { interfaces, ips, routes, dns };
}
