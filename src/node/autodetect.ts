// IP autodetection as calico-node does it (node/pkg/lifecycle/startup/autodetection/): choose this node's address from
// its interfaces by one of the methods operators already write in IP_AUTODETECTION_METHOD:
//   first-found             the first global address on an interface not excluded by Calico's default list
//   interface=<re>,<re>     the first address on an interface whose name matches one of the regexes (in that order)
//   skip-interface=<re>,... first-found, also skipping interfaces matching these
//   can-reach=<ip>          the source address the kernel picks to reach that destination
//   cidr=<cidr>,<cidr>      the first address inside one of these prefixes
// The result keeps the interface's prefix length ("10.0.0.12/24"), which Node.spec.bgp.ipv4Address stores and the
// CrossSubnet decision uses. Pure, apart from can-reach, whose route lookup is injected.
import { cidrContains, isLinkLocal, parseCidr, parseIp, type IpFamily } from '../lib/ip';
import { GinghamError, describeError } from '../lib/errors';

/** Interface names first-found never picks (Calico's DEFAULT_INTERFACES_TO_EXCLUDE). */
export const DEFAULT_EXCLUDES: readonly RegExp[] = [
  /^docker.*/,
  /^cbr.*/,
  /^dummy.*/,
  /^podman.*/,
  /^virbr.*/,
  /^lxcbr.*/,
  /^veth.*/,
  /^lo$/,
  /^br-.*/,
  /^cali.*/,
  /^tunl.*/,
  /^flannel.*/,
  /^kube-ipvs.*/,
  /^cni.*/,
  /^vxlan\.calico.*/,
  /^vxlan-v6\.calico.*/,
  /^wireguard\.cali.*/,
  /^wg-v6\.cali.*/,
  /^nodelocaldns.*/,
];

export interface InterfaceAddresses {
  readonly name: string;
  readonly up: boolean;
  /** 'ip/prefixLen' with host bits kept. */
  readonly addresses: readonly string[];
}

export type AutodetectMethod =
  | { readonly kind: 'first-found' }
  | { readonly kind: 'interface'; readonly patterns: readonly RegExp[] }
  | { readonly kind: 'skip-interface'; readonly patterns: readonly RegExp[] }
  | { readonly kind: 'can-reach'; readonly destination: string }
  | { readonly kind: 'cidr'; readonly cidrs: readonly string[] };

export class AutodetectError extends GinghamError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('AutodetectInvalid', message, options);
  }
}

/** Parses IP_AUTODETECTION_METHOD; errors name the variable and what was wrong. */
export function parseAutodetectMethod(text: string | undefined, variable = 'IP_AUTODETECTION_METHOD'): AutodetectMethod {
  const t = (text ?? '').trim();
  if (t === '' || t === 'first-found') return { kind: 'first-found' };
  const eq = t.indexOf('=');
  const key = eq < 0 ? t : t.slice(0, eq);
  const value = eq < 0 ? '' : t.slice(eq + 1);
  const list = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const regexes = (): RegExp[] =>
    list.map((s) => {
      try {
        return new RegExp(s);
      } catch (err) {
        throw new AutodetectError(`${variable}: ${key}: "${s}" is not a regular expression (${describeError(err)})`);
      }
    });
  if (list.length === 0 && key !== 'first-found') throw new AutodetectError(`${variable}: "${t}" needs a value after "="`);
  switch (key) {
    case 'interface':
      return { kind: 'interface', patterns: regexes() };
    case 'skip-interface':
      return { kind: 'skip-interface', patterns: regexes() };
    case 'can-reach':
      return { kind: 'can-reach', destination: list[0] as string };
    case 'cidr':
      for (const c of list) {
        try {
          parseCidr(c);
        } catch {
          throw new AutodetectError(`${variable}: cidr: "${c}" is not a CIDR`);
        }
      }
      return { kind: 'cidr', cidrs: list };
    default:
      throw new AutodetectError(`${variable}: unknown method "${key}" (use first-found, interface=, skip-interface=, can-reach= or cidr=)`);
  }
}

/** Addresses of one family that a node could use: global scope, not link-local. */
function usable(addr: string, family: IpFamily): boolean {
  const c = parseCidr(addr);
  return c.family === family && !isLinkLocal(c);
}

function firstAddress(ifaces: readonly InterfaceAddresses[], family: IpFamily, ok: (i: InterfaceAddresses) => boolean): string | undefined {
  for (const i of ifaces) {
    if (!i.up || !ok(i)) continue;
    const a = i.addresses.find((x) => usable(x, family));
    if (a !== undefined) return a;
  }
  return undefined;
}

/**
 * Picks this node's address. `reach(dest)` returns the local source address the kernel would use towards dest
 * (can-reach only). Throws AutodetectError saying which method found nothing.
 */
export async function autodetectAddress(
  method: AutodetectMethod,
  ifaces: readonly InterfaceAddresses[],
  family: IpFamily = 4,
  reach?: (destination: string) => Promise<string>,
): Promise<string> {
  const notExcluded = (i: InterfaceAddresses): boolean => !DEFAULT_EXCLUDES.some((re) => re.test(i.name));
  let found: string | undefined;
  switch (method.kind) {
    case 'first-found':
      found = firstAddress(ifaces, family, notExcluded);
      break;
    case 'skip-interface':
      found = firstAddress(ifaces, family, (i) => notExcluded(i) && !method.patterns.some((re) => re.test(i.name)));
      break;
    case 'interface':
      // Pattern order is preference order, as in Calico.
      for (const re of method.patterns) {
        found = firstAddress(ifaces, family, (i) => re.test(i.name));
        if (found !== undefined) break;
      }
      break;
    case 'cidr':
      for (const c of method.cidrs) {
        const outer = parseCidr(c);
        found = ifaces.flatMap((i) => (i.up ? i.addresses : [])).find((a) => usable(a, family) && cidrContains(outer, parseIp(a.split('/')[0] as string)));
        if (found !== undefined) break;
      }
      break;
    case 'can-reach': {
      if (reach === undefined) throw new AutodetectError('can-reach: no route lookup available');
      const src = await reach(method.destination);
      found = ifaces.flatMap((i) => i.addresses).find((a) => a.split('/')[0] === src);
      if (found === undefined) throw new AutodetectError(`can-reach=${method.destination}: the source address ${src} is on no interface`);
      break;
    }
  }
  if (found === undefined) throw new AutodetectError(`no IPv${family} address found by ${describeMethod(method)} on interfaces ${ifaces.map((i) => i.name).join(', ') || '(none)'}`);
  return found;
}

export function describeMethod(m: AutodetectMethod): string {
  switch (m.kind) {
    case 'first-found':
      return 'first-found';
    case 'interface':
    case 'skip-interface':
      return `${m.kind}=${m.patterns.map((p) => p.source).join(',')}`;
    case 'can-reach':
      return `can-reach=${m.destination}`;
    case 'cidr':
      return `cidr=${m.cidrs.join(',')}`;
  }
}
