// The map key of a prefix in the RIBs: "10.0.0.0/24" or "2001:db8::/32", with "#<pathId>" when ADD-PATH is in use.
import type { Prefix } from '../packet/types';

export function prefixKey(p: Prefix): string {
  const base = `${p.address}/${p.length}`;
  return p.pathId === undefined ? base : `${base}#${p.pathId}`;
}

export function prefixText(p: Prefix): string {
  return `${p.address}/${p.length}`;
}
