// IR -> nftables text. One table per family owned by Gingham (`ip gingham`, `ip6 gingham`); every object is
// rendered as a declaration plus a body (rule lines, set or map elements) so the table owner can diff objects and
// write only what changed. Syntax as nft(8) 1.0.x reads it: anonymous sets for lists of ports and CIDRs (a single
// value bare), named sets for selectors (hash sets of addresses; interval sets when a prefix is a member),
// concatenated `addr . inet_proto . inet_service` sets for named ports, `ifname : verdict` maps for dispatch, mark
// arithmetic for Calico's accept/pass protocol (felix/nftables uses the same forms).

import { ruleRefId } from '../rules/rule-ref';
import { setsUsed, type Chain, type Family, type Match, type NamedSet, type Rule, type Ruleset, type Verdict, type VerdictMap } from '../rules/ir';

/** A counter is a stateful object: declared, never flushed or rewritten, so its values outlive the rules using it. */
export type NftObjectKind = 'chain' | 'set' | 'map' | 'counter';

/** One table object as text: `decl` creates it (`add <decl>`), `body` are its rules or elements. */
export interface NftObject {
  readonly kind: NftObjectKind;
  readonly name: string;
  readonly decl: string;
  readonly body: readonly string[];
}

export interface RenderedTable {
  readonly family: 'ip' | 'ip6';
  readonly table: string;
  readonly objects: ReadonlyMap<string, NftObject>;
}

export function nftFamily(f: Family): 'ip' | 'ip6' {
  return f === 4 ? 'ip' : 'ip6';
}

/** Object key: kind and name, since a set and a chain may share a name. */
export function objectKey(kind: NftObjectKind, name: string): string {
  return `${kind}:${name}`;
}

function quote(s: string): string {
  // nft strings have no escapes; comments are limited to 128 bytes (NFT_USERDATA_MAXLEN).
  const clean = s.replace(/["\\\n]/g, "'");
  return `"${Buffer.byteLength(clean) > 128 ? Buffer.from(clean).subarray(0, 125).toString().replace(/\uFFFD$/, '') + '...' : clean}"`;
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

/** Protocol names nft knows in `meta l4proto`; others by number. */
const NFT_PROTO: Readonly<Record<string, string>> = { tcp: 'tcp', udp: 'udp', sctp: 'sctp', icmp: 'icmp', icmpv6: '58', udplite: '136' };

function proto(p: string): string {
  return NFT_PROTO[p] ?? p;
}

/** One value as itself, several as an anonymous set (each anonymous set is a kernel object nft lists per transaction). */
function list(items: readonly string[]): string {
  return items.length === 1 ? (items[0] as string) : `{ ${items.join(', ')} }`;
}

/**
 * The nft name of an IR set: a host set keeps the IR name, an interval set gets a suffix. A set whose members
 * gain or lose a prefix thus becomes a different nft object (a set's type cannot change in place), and the chains
 * naming it are rewritten in the same transaction.
 */
export function nftSetName(name: string, type: NamedSet['type'] | undefined): string {
  return type === 'addr' ? `${name}-net` : name;
}

/** IR set name -> its type, for naming the set in rules. */
export type SetTypes = ReadonlyMap<string, NamedSet['type']>;

function setRef(name: string, types: SetTypes): string {
  return nftSetName(name, types.get(name));
}

function renderMatch(m: Match, family: Family, types: SetTypes): string {
  const ip = family === 4 ? 'ip' : 'ip6';
  const neg = 'negate' in m && m.negate ? '!= ' : '';
  switch (m.kind) {
    case 'ctState':
      return `ct state ${m.states.join(',')}`;
    case 'iifname':
    case 'oifname':
      return `${m.kind} ${neg}${quote(m.name)}`;
    case 'mark':
      return `meta mark & ${hex(m.mask)} ${neg ? '!=' : '=='} ${hex(m.value)}`;
    case 'protocol':
      return `meta l4proto ${neg}${list(m.protocols.map(proto))}`;
    case 'addr':
      return `${ip} ${m.dir === 'src' ? 'saddr' : 'daddr'} ${neg}${list(m.elements)}`;
    case 'addrSet':
      return `${ip} ${m.dir === 'src' ? 'saddr' : 'daddr'} ${neg}@${setRef(m.set, types)}`;
    case 'ports':
      return `th ${m.dir === 'src' ? 'sport' : 'dport'} ${neg}${list(m.ports.map((p) => (typeof p === 'number' ? String(p) : `${p[0]}-${p[1]}`)))}`;
    case 'namedPortSet':
      return `${ip} ${m.dir === 'src' ? 'saddr' : 'daddr'} . meta l4proto . th ${m.dir === 'src' ? 'sport' : 'dport'} ${neg}@${m.set}`;
    case 'icmp': {
      const icmp = family === 4 ? 'icmp' : 'icmpv6';
      if (m.type !== undefined && m.code !== undefined) return `${icmp} type . ${icmp} code ${neg}{ ${m.type} . ${m.code} }`;
      if (m.type !== undefined) return `${icmp} type ${neg}${m.type}`;
      return `${icmp} code ${neg}${m.code ?? 0}`;
    }
    case 'limit':
      return `limit rate ${m.perSecond}/second burst ${m.burst} packets`;
  }
}

function renderVerdict(v: Verdict): string {
  switch (v.kind) {
    case 'accept':
    case 'drop':
    case 'return':
      return v.kind;
    case 'jump':
    case 'goto':
      return `${v.kind} ${v.chain}`;
    case 'markReturn':
      return `meta mark set meta mark | ${hex(v.bits)} return`;
    case 'clearMark':
      return `meta mark set meta mark & ${hex(~v.bits >>> 0)}`;
    case 'log':
      return `log prefix ${quote(v.prefix)}`;
    case 'nflog':
      return `log prefix ${quote(v.prefix)} group ${v.group}`;
    case 'vmap':
      return `${v.key} vmap @${v.map}`;
  }
}

/** A rule with a RuleRef counts into the named counter of its ref, after its matches and before its verdict. */
export function renderRule(r: Rule, family: Family, types: SetTypes = new Map()): string {
  const parts = r.matches.map((m) => renderMatch(m, family, types));
  if (r.ref) parts.push(`counter name ${quote(ruleRefId(r.ref))}`);
  parts.push(renderVerdict(r.verdict));
  if (r.comment) parts.push(`comment ${quote(r.comment)}`);
  return parts.join(' ');
}

function chainObject(c: Chain, family: Family, types: SetTypes): NftObject {
  const decl = c.hook ? `chain ${c.name} { type filter hook ${c.hook.hook} priority ${c.hook.priority}; policy accept; }` : `chain ${c.name}`;
  return { kind: 'chain', name: c.name, decl, body: c.rules.map((r) => renderRule(r, family, types)) };
}

const countersOfChain = new WeakMap<Chain, readonly string[]>();

/** The counter names a chain's rules use (memoised per chain object, like setsUsed). */
function countersUsed(c: Chain): readonly string[] {
  let names = countersOfChain.get(c);
  if (!names) countersOfChain.set(c, (names = [...new Set(c.rules.flatMap((r) => (r.ref ? [ruleRefId(r.ref)] : [])))]));
  return names;
}

function setObject(s: NamedSet, family: Family): NftObject {
  const addr = family === 4 ? 'ipv4_addr' : 'ipv6_addr';
  const name = nftSetName(s.name, s.type);
  const type = s.type === 'addr-proto-port' ? `${addr} . inet_proto . inet_service` : addr;
  const decl = `set ${name} { type ${type};${s.type === 'addr' ? ' flags interval;' : ''} }`;
  return { kind: 'set', name, decl, body: [...s.elements] };
}

/** The types of the sets a chain's rules name, as a key: the chain's text changes only when this or the chain does. */
function setTypesKey(c: Chain, types: SetTypes): string {
  let key = '';
  for (const name of setsUsed(c)) key += `${name}=${types.get(name) ?? ''};`;
  return key;
}

/**
 * Renders rulesets as nft objects, reusing the object of an IR chain or set seen before (same identity, and for
 * a chain the same types of the sets it names), so an incremental IR build costs rendering only what changed.
 */
export class TableRenderer {
  private chains = new WeakMap<Chain, { key: string; obj: NftObject }>();
  private sets = new WeakMap<NamedSet, NftObject>();

  constructor(readonly table: string) {}

  render(rs: Ruleset): RenderedTable {
    const types = new Map<string, NamedSet['type']>();
    for (const s of rs.sets.values()) types.set(s.name, s.type);
    const objects = new Map<string, NftObject>();
    const add = (o: NftObject): void => void objects.set(objectKey(o.kind, o.name), o);
    for (const s of rs.sets.values()) {
      let o = this.sets.get(s);
      if (!o) this.sets.set(s, (o = setObject(s, rs.family)));
      add(o);
    }
    for (const m of rs.maps.values()) add(mapObject(m));
    for (const c of rs.chains.values()) {
      const key = setTypesKey(c, types);
      let hit = this.chains.get(c);
      if (hit?.key !== key) this.chains.set(c, (hit = { key, obj: chainObject(c, rs.family, types) }));
      add(hit.obj);
      for (const name of countersUsed(c)) if (!objects.has(objectKey('counter', name))) add({ kind: 'counter', name, decl: `counter ${name}`, body: [] });
    }
    return { family: nftFamily(rs.family), table: this.table, objects };
  }
}

function mapObject(m: VerdictMap): NftObject {
  const body = [...m.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([iface, chain]) => `${quote(iface)} : goto ${chain}`);
  return { kind: 'map', name: m.name, decl: `map ${m.name} { type ifname : verdict; }`, body };
}

/** One ruleset rendered from scratch. */
export function renderTable(rs: Ruleset, table: string): RenderedTable {
  return new TableRenderer(table).render(rs);
}

/** The whole table as one script (for an operator or a test); the owner writes deltas instead. */
export function tableScript(t: RenderedTable): string {
  const lines = [`add table ${t.family} ${t.table}`];
  const objs = [...t.objects.values()];
  for (const o of objs) lines.push(`add ${o.decl.replace(/^(\w+) /, `$1 ${t.family} ${t.table} `)}`);
  for (const o of objs) lines.push(...bodyLines(t, o, o.body));
  return lines.join('\n') + '\n';
}

/** Elements per statement: fewer, larger statements load faster. */
const ELEMENT_CHUNK = 5000;

/**
 * Lines adding `body` to object `o`: `add rule` per rule; for a set or map, its declaration repeated with the
 * elements inline (`add set ... { type ...; elements = { ... } }`, in chunks). nft 1.0.6 treats an `add element`
 * or `delete element` command as needing the elements of every interval set in the kernel in its cache (one dump
 * per set, anonymous ones included) before it evaluates anything; elements inside a set declaration do not, so
 * the cost of a transaction stays proportional to what it writes (BENCHMARKS.md, "Network policy").
 */
export function bodyLines(t: Pick<RenderedTable, 'family' | 'table'>, o: Pick<NftObject, 'kind' | 'name' | 'decl'>, body: readonly string[]): string[] {
  if (body.length === 0) return [];
  if (o.kind === 'chain') return body.map((r) => `add rule ${t.family} ${t.table} ${o.name} ${r}`);
  const decl = o.decl.replace(/^(\w+) /, `$1 ${t.family} ${t.table} `);
  return chunks(body, ELEMENT_CHUNK).map((c) => `add ${decl.replace(/ \}$/, ` elements = { ${c.join(', ')} } }`)}`);
}

/** `delete element ...` lines for set or map elements (map elements are deleted by key). */
export function deleteElementLines(t: Pick<RenderedTable, 'family' | 'table'>, o: Pick<NftObject, 'kind' | 'name'>, body: readonly string[]): string[] {
  if (body.length === 0) return [];
  const keys = o.kind === 'map' ? body.map((e) => e.split(' : ')[0] as string) : body;
  return chunks(keys).map((c) => `delete element ${t.family} ${t.table} ${o.name} { ${c.join(', ')} }`);
}

function chunks(items: readonly string[], size = 1000): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
