// BGP community text, the one parser for every layer: the speaker's YAML file, BGPFilter and BGPConfiguration
// validation (api/), filter translation and the codec's text forms (bgp/packet/attr-communities.ts re-exports it).
// Standard communities (RFC 1997) are "ASN:VALUE" with two 16-bit halves, or an IANA well-known name; large
// communities (RFC 8092 §1.2) are "GLOBAL:LOCAL1:LOCAL2" with three 32-bit parts.

/** RFC 1997 and the IANA "BGP Well-known Communities" registry, by the registry's names. */
export const WELL_KNOWN_COMMUNITIES: Readonly<Record<string, number>> = {
  GRACEFUL_SHUTDOWN: 0xffff0000,
  ACCEPT_OWN: 0xffff0001,
  LLGR_STALE: 0xffff0006,
  NO_LLGR: 0xffff0007,
  BLACKHOLE: 0xffff029a,
  NO_EXPORT: 0xffffff01,
  NO_ADVERTISE: 0xffffff02,
  NO_EXPORT_SUBCONFED: 0xffffff03,
  NOPEER: 0xffffff04,
};

/** Spellings operators use for the same names ("no-peer" as BIRD and FRR write NOPEER). */
const ALIASES: Readonly<Record<string, string>> = { NO_PEER: 'NOPEER' };

const MAX16 = 0xffff;
const MAX32 = 0xffffffff;

/** A well-known name in any of "NO_EXPORT", "no-export", "no_export"; undefined for other text. */
export function wellKnownCommunity(text: string): number | undefined {
  const key = text.toUpperCase().replace(/-/g, '_');
  return WELL_KNOWN_COMMUNITIES[ALIASES[key] ?? key];
}

/** "65000:100" (each half 0-65535), or with `names` also a well-known name; undefined when it is neither. */
export function parseStandardCommunity(text: string, opts: { names?: boolean } = {}): number | undefined {
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(text);
  if (m === null) return opts.names === true ? wellKnownCommunity(text) : undefined;
  const hi = Number(m[1]);
  const lo = Number(m[2]);
  return hi > MAX16 || lo > MAX16 ? undefined : hi * 65536 + lo;
}

/** "65000:1:2" (each part 0-4294967295); undefined otherwise. */
export function parseLargeCommunity(text: string): [number, number, number] | undefined {
  const m = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/.exec(text);
  if (m === null) return undefined;
  const v: [number, number, number] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return v.every((x) => x <= MAX32) ? v : undefined;
}

export type CommunityValue = { readonly kind: 'standard'; readonly value: number } | { readonly kind: 'large'; readonly value: readonly [number, number, number] };

/** "aa:nn" or "aa:nn:mm", as Calico's BGPFilter and BGPConfiguration write communities (no names). */
export function parseCommunityValue(text: string): CommunityValue | undefined {
  const std = parseStandardCommunity(text);
  if (std !== undefined) return { kind: 'standard', value: std };
  const large = parseLargeCommunity(text);
  return large === undefined ? undefined : { kind: 'large', value: large };
}

/** Why `text` is not an "aa:nn" or "aa:nn:mm" community, or undefined when it is one. */
export function communityProblem(text: string): string | undefined {
  if (parseCommunityValue(text) !== undefined) return undefined;
  if (/^\d+:\d+$/.test(text)) return 'standard community parts must be 0-65535';
  if (/^\d+:\d+:\d+$/.test(text)) return 'large community parts must be 0-4294967295';
  return `"${text}" must be a community "aa:nn" or "aa:nn:mm"`;
}
