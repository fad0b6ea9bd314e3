// Picks a representative set of golden messages out of reassembled BGP streams: for each sending daemon, the first
// message of each kind (OPEN per session kind, KEEPALIVE, End-of-RIB per family, IPv4 NLRI with and without
// communities, large communities, 4-octet AS paths, withdrawals, MP_REACH/MP_UNREACH, ROUTE-REFRESH, NOTIFICATION),
// and the CodecOptions the two OPENs of its TCP connection negotiated. Pure: the capture test does the I/O.
import { openCapabilityCodes, updateAttributeTypes, updateFieldLengths, type BgpStream } from './capture';

export interface Speaker {
  readonly daemon: string;
  readonly version: string;
  readonly address: string;
  readonly asn: number;
}

export interface GoldenPick {
  readonly file: string;
  readonly daemon: string;
  readonly version: string;
  readonly what: string;
  readonly type: 'open' | 'update' | 'notification' | 'keepalive' | 'route-refresh';
  readonly bytes: Buffer;
  readonly direction: string;
  readonly session: string;
  readonly codecOptions: { fourOctetAs: boolean; extendedMessage: boolean; addPath: Array<'ipv4' | 'ipv6'>; internal: boolean };
}

const TYPE_NAMES = ['', 'open', 'update', 'notification', 'keepalive', 'route-refresh'] as const;
const CAP_FOUR_OCTET_AS = 65;
const CAP_EXTENDED_MESSAGE = 6;

/** ASNs in an AS_PATH attribute value of 4-octet ASNs (RFC 6793); [] when it does not parse that way. */
function asPathAsns4(msg: Buffer): number[] {
  const wl = msg.readUInt16BE(19);
  const al = msg.readUInt16BE(21 + wl);
  let off = 23 + wl;
  const end = off + al;
  while (off + 3 <= end) {
    const flags = msg[off] ?? 0;
    const type = msg[off + 1] ?? 0;
    const ext = (flags & 0x10) !== 0;
    const len = ext ? msg.readUInt16BE(off + 2) : (msg[off + 2] ?? 0);
    const v = off + (ext ? 4 : 3);
    if (type === 2) {
      const asns: number[] = [];
      let p = v;
      while (p + 2 <= v + len) {
        const count = msg[p + 1] ?? 0;
        for (let i = 0; i < count && p + 2 + 4 * i + 4 <= v + len; i++) asns.push(msg.readUInt32BE(p + 2 + 4 * i));
        p += 2 + 4 * count;
      }
      return asns;
    }
    off = v + len;
  }
  return [];
}

/** Candidate names for a message, most specific first; the first one not yet taken for its sender wins. */
export function categories(msg: Buffer, internal: boolean, fourOctetAs: boolean): string[] {
  const type = msg[18];
  if (type === 1) return ['open'];
  if (type === 4) return ['keepalive'];
  // RFC 7313 §3: subtype 1/2 are the Beginning/End-of-RIB-Refresh markers of enhanced route refresh.
  if (type === 5) return [['route-refresh', 'route-refresh-borr', 'route-refresh-eorr'][msg[21] ?? 0] ?? `route-refresh-${msg[21] ?? 0}`];
  if (type === 3) return [(msg[19] ?? 0) === 6 ? `notification-cease-${msg[20] ?? 0}` : `notification-${msg[19] ?? 0}-${msg[20] ?? 0}`];
  if (type !== 2) return [];
  if (msg.length === 23) return ['eor-ipv4'];
  const types = updateAttributeTypes(msg);
  const f = updateFieldLengths(msg);
  // RFC 4724 §2: End-of-RIB for another family = an UPDATE holding only an MP_UNREACH_NLRI with AFI/SAFI and nothing else.
  if (types.length === 1 && types[0] === 15 && f.attributes === 6 && f.withdrawn === 0 && f.nlri === 0) {
    return [msg.readUInt16BE(23 + 3) === 2 ? 'eor-ipv6' : `eor-afi${msg.readUInt16BE(23 + 3)}`];
  }
  const out: string[] = [];
  if (types.includes(15)) out.push('update-ipv6-mp-unreach');
  if (f.withdrawn > 0) out.push('update-ipv4-withdraw');
  const fam = types.includes(14) ? 'ipv6-mp-reach' : f.nlri > 0 ? 'ipv4' : undefined;
  if (fam !== undefined) {
    if (types.includes(32)) out.push(`update-${fam}-large-communities`);
    if (types.includes(8)) out.push(`update-${fam}-communities`);
    if (fourOctetAs && asPathAsns4(msg).some((a) => a > 0xffff)) out.push(`update-${fam}-as4-path`);
    if (types.includes(5)) out.push(`update-${fam}-local-pref`);
    out.push(fam === 'ipv4' ? 'update-ipv4-nlri' : 'update-ipv6-mp-reach');
  }
  return out;
}

function connKey(s: BgpStream): string {
  const a = `${s.src}:${s.sport}`;
  const b = `${s.dst}:${s.dport}`;
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

function safeVersion(v: string): string {
  return v.replace(/[^0-9A-Za-z.]/g, '_');
}

/**
 * Chooses the golden set. `speakers` maps capture addresses to daemons; streams between addresses not in it are
 * ignored. `describeSession(a, b)` gives the manifest's session text for a pair of speakers.
 */
export function pickGolden(streams: readonly BgpStream[], speakers: readonly Speaker[], describeSession: (a: Speaker, b: Speaker) => string): GoldenPick[] {
  const byAddr = new Map(speakers.map((s) => [s.address, s]));
  const opensByConn = new Map<string, Map<string, Buffer>>();
  for (const s of streams) {
    const open = s.messages.find((m) => m[18] === 1);
    if (open === undefined) continue;
    const m = opensByConn.get(connKey(s)) ?? new Map<string, Buffer>();
    m.set(s.src, open);
    opensByConn.set(connKey(s), m);
  }
  const picks: GoldenPick[] = [];
  const taken = new Set<string>();
  const seenBytes = new Set<string>();
  for (const s of streams) {
    const from = byAddr.get(s.src);
    const to = byAddr.get(s.dst);
    if (from === undefined || to === undefined) continue;
    const opens = opensByConn.get(connKey(s));
    const mine = opens?.get(s.src);
    const theirs = opens?.get(s.dst);
    // Without both OPENs of this connection we cannot know the negotiated options: skip its messages.
    if (mine === undefined || theirs === undefined) continue;
    const both = (code: number): boolean => openCapabilityCodes(mine).includes(code) && openCapabilityCodes(theirs).includes(code);
    const codecOptions = { fourOctetAs: both(CAP_FOUR_OCTET_AS), extendedMessage: both(CAP_EXTENDED_MESSAGE), addPath: [] as Array<'ipv4' | 'ipv6'>, internal: from.asn === to.asn };
    for (const msg of s.messages) {
      const hex = msg.toString('hex');
      if (seenBytes.has(`${from.daemon}|${hex}`)) continue;
      const what = categories(msg, codecOptions.internal, codecOptions.fourOctetAs).find((c) => !taken.has(`${from.daemon}|${c}`));
      const type = TYPE_NAMES[msg[18] ?? 0];
      if (what === undefined || type === undefined || type === '') continue;
      taken.add(`${from.daemon}|${what}`);
      seenBytes.add(`${from.daemon}|${hex}`);
      picks.push({
        file: `${from.daemon}-${safeVersion(from.version)}-${what}.hex`,
        daemon: from.daemon,
        version: from.version,
        what,
        type,
        bytes: msg,
        direction: `${from.daemon} -> ${to.daemon}`,
        session: describeSession(from, to),
        codecOptions,
      });
    }
  }
  return picks.sort((a, b) => a.file.localeCompare(b.file));
}
