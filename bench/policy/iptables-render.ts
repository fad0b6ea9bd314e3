// Bench only: the policy IR of src/felix/rules written the way Felix's iptables dataplane lays it out
// (felix/rules/{static,dispatch,endpoints,policy}.go): cali-FORWARD/cali-INPUT hooked from the filter table,
// linear dispatch chains `-i|-o <iface> -g cali-fw-|cali-tw-<iface>` ending in DROP, one cali-tw-/cali-fw- chain PER
// ENDPOINT (the IR shares endpoint chains between endpoints; Felix does not), cali-pi-/cali-po- per policy and
// ipsets (`cali40s:<hash>`, hash:net / hash:ip,port) per selector. It translates syntax only: every match and
// verdict comes from the IR, no policy semantics are decided here. Anonymous CIDR lists become hash:net ipsets
// (Felix writes match blocks with scratch marks instead; same kernel cost class).

import { createHash } from 'node:crypto';
import type { Chain, Match, NamedSet, Rule, Ruleset, Verdict } from '../../src/felix/rules/ir';

export interface IptState {
  /** chain name -> rule lines (`-A chain ...`). */
  readonly chains: Map<string, string[]>;
  /** ipset name -> [type, members]. */
  readonly sets: Map<string, { type: 'hash:net' | 'hash:ip,port'; members: string[] }>;
}

export class IptTranslateError extends Error {
  constructor(readonly field: string, detail: string) {
    super(`iptables translation: ${field}: ${detail}`);
  }
}

function short(text: string, n: number): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, n);
}

/** iptables chain names are limited to 28 characters (Felix hashes longer names the same way). */
export function iptChainName(irName: string): string {
  if (irName === 'forward') return 'cali-FORWARD';
  if (irName === 'input') return 'cali-INPUT';
  const name = `cali-${irName}`;
  return name.length <= 28 ? name : `cali-${irName.slice(0, 3)}_${short(irName, 19)}`;
}

/** ipset names are limited to 31 characters: `cali40s:` + hash, as Felix names selector sets. */
export function ipsetName(irName: string): string {
  return `cali40s:${short(irName, 22)}`;
}

const PORT_SLOTS = 15;

function ifName(n: string): string {
  return n.endsWith('*') ? `${n.slice(0, -1)}+` : n;
}

function neg(m: { negate?: boolean }): string {
  return m.negate ? '! ' : '';
}

/** Translates one IR rule into iptables rule bodies (several when a match needs expanding). */
function ruleBodies(rule: Rule, state: IptState): string[][] {
  let bodies: string[][] = [[]];
  const addAll = (parts: string[]): void => bodies.forEach((b) => b.push(...parts));
  for (const m of rule.matches) bodies = applyMatch(m, bodies, addAll, state);
  return bodies;
}

function applyMatch(m: Match, bodies: string[][], addAll: (p: string[]) => void, state: IptState): string[][] {
  switch (m.kind) {
    case 'limit':
      addAll(['-m', 'limit', '--limit', `${m.perSecond}/second`, '--limit-burst', String(m.burst)]);
      return bodies;
    case 'ctState':
      addAll(['-m', 'conntrack', '--ctstate', m.states.map((s) => s.toUpperCase()).join(',')]);
      return bodies;
    case 'iifname':
      addAll([`${neg(m)}-i`, ifName(m.name)]);
      return bodies;
    case 'oifname':
      addAll([`${neg(m)}-o`, ifName(m.name)]);
      return bodies;
    case 'mark':
      addAll(['-m', 'mark', `${neg(m)}--mark`, `0x${m.value.toString(16)}/0x${m.mask.toString(16)}`]);
      return bodies;
    case 'protocol':
      if (m.negate) {
        if (m.protocols.length !== 1) throw new IptTranslateError('protocol', 'negated protocol list');
        addAll(['!', '-p', m.protocols[0] as string]);
        return bodies;
      }
      return bodies.flatMap((b) => m.protocols.map((p) => [...b, '-p', p]));
    case 'addr':
    case 'addrSet':
    case 'namedPortSet': {
      const irName = m.kind === 'addr' ? `anon:${m.elements.join(',')}` : m.set;
      const name = ipsetName(irName);
      if (m.kind === 'addr' && !state.sets.has(name)) state.sets.set(name, { type: 'hash:net', members: [...m.elements] });
      const dirs = m.kind === 'namedPortSet' ? `${m.dir},${m.dir}` : m.dir;
      addAll(['-m', 'set', `${neg(m)}--match-set`, name, dirs]);
      return bodies;
    }
    case 'ports': {
      const slots = m.ports.map((p) => (typeof p === 'number' ? String(p) : `${p[0]}:${p[1]}`));
      const flag = m.dir === 'src' ? '--sports' : '--dports';
      if (m.negate) {
        if (slots.length > PORT_SLOTS) throw new IptTranslateError('ports', 'more than 15 negated ports');
        addAll(['-m', 'multiport', '!', flag, slots.join(',')]);
        return bodies;
      }
      const chunks: string[][] = [];
      for (let i = 0; i < slots.length; i += PORT_SLOTS) chunks.push(slots.slice(i, i + PORT_SLOTS));
      return bodies.flatMap((b) => chunks.map((c) => [...b, '-m', 'multiport', flag, c.join(',')]));
    }
    case 'icmp': {
      const proto = bodies[0]?.includes('icmpv6') ? 'icmpv6' : 'icmp';
      const flag = proto === 'icmpv6' ? '--icmpv6-type' : '--icmp-type';
      if (m.type === undefined) return bodies;
      addAll([`${neg(m)}${flag}`, m.code === undefined ? String(m.type) : `${m.type}/${m.code}`]);
      return bodies;
    }
  }
}

function verdictLines(v: Verdict): string[][] {
  switch (v.kind) {
    case 'accept':
      return [['-j', 'ACCEPT']];
    case 'drop':
      return [['-j', 'DROP']];
    case 'return':
      return [['-j', 'RETURN']];
    case 'jump':
      return [['-j', iptChainName(v.chain)]];
    case 'goto':
      return [['-g', iptChainName(v.chain)]];
    case 'markReturn':
      return [['-j', 'MARK', '--set-xmark', `0x${v.bits.toString(16)}/0x${v.bits.toString(16)}`], ['-j', 'RETURN']];
    case 'clearMark':
      return [['-j', 'MARK', '--set-xmark', `0x0/0x${v.bits.toString(16)}`]];
    case 'log':
      return [['-j', 'LOG', '--log-prefix', JSON.stringify(v.prefix.slice(0, 28))]];
    case 'nflog':
      return [['-j', 'NFLOG', '--nflog-group', String(v.group), '--nflog-prefix', JSON.stringify(v.prefix.slice(0, 63))]];
    case 'vmap':
      throw new IptTranslateError('verdict', 'vmap is expanded by the dispatch translation');
  }
}

function comment(r: Rule): string[] {
  return r.comment ? ['-m', 'comment', '--comment', JSON.stringify(r.comment.slice(0, 255))] : [];
}

function chainLines(chain: Chain, name: string, ruleset: Ruleset, state: IptState): string[] {
  const out: string[] = [];
  for (const r of chain.rules) {
    if (r.verdict.kind === 'vmap') {
      // Felix's dispatch: one `-i|-o <iface> -g <per-endpoint chain>` per local endpoint, in interface order.
      const map = ruleset.maps.get(r.verdict.map);
      if (!map) throw new IptTranslateError('verdict.map', `unknown map ${r.verdict.map}`);
      const flag = r.verdict.key === 'iifname' ? '-i' : '-o';
      for (const iface of [...map.entries.keys()].sort()) out.push(`-A ${name} ${flag} ${iface} -g ${endpointChainName(r.verdict.key, iface)}`);
      continue;
    }
    for (const body of ruleBodies(r, state)) for (const v of verdictLines(r.verdict)) out.push(['-A', name, ...body, ...comment(r), ...v].join(' '));
  }
  return out;
}

function endpointChainName(key: 'iifname' | 'oifname', iface: string): string {
  return `cali-${key === 'iifname' ? 'fw' : 'tw'}-${iface}`.slice(0, 28);
}

type IptSet = { type: 'hash:net' | 'hash:ip,port'; members: string[] };

/**
 * Translates rulesets into Felix's iptables layout, reusing the translation of IR chains and sets seen before
 * (their identity is kept across incremental builds), as Felix renders only its dirty chains and sets.
 */
export class IptTranslator {
  private readonly sets = new WeakMap<NamedSet, IptSet>();
  private readonly chains = new WeakMap<Chain, Map<string, { lines: string[]; anon: Array<[string, IptSet]> }>>();

  /** The whole IPv4 filter state of a ruleset. */
  translate(rs: Ruleset): IptState {
    if (rs.family !== 4) throw new IptTranslateError('family', 'the bench renderer writes IPv4 only');
    const state: IptState = { chains: new Map(), sets: new Map() };
    for (const s of rs.sets.values()) {
      let t = this.sets.get(s);
      if (!t) {
        const named = s.type === 'addr-proto-port';
        const members = named ? s.elements.map((e) => e.split(' . ')).map(([a, p, port]) => `${a},${p}:${port}`) : [...s.elements];
        this.sets.set(s, (t = { type: named ? 'hash:ip,port' : 'hash:net', members }));
      }
      state.sets.set(ipsetName(s.name), t);
    }
    const endpointChains = new Set<string>();
    for (const map of rs.maps.values()) for (const c of map.entries.values()) endpointChains.add(c);
    for (const c of rs.chains.values()) {
      if (endpointChains.has(c.name)) continue;
      const name = iptChainName(c.name);
      state.chains.set(name, this.chain(c, name, rs, state));
    }
    for (const [mapName, map] of rs.maps) {
      const key = mapName === 'from-wl' ? 'iifname' : 'oifname';
      for (const [iface, chainName] of map.entries) {
        const c = rs.chains.get(chainName);
        if (!c) throw new IptTranslateError('map.entries', `unknown chain ${chainName}`);
        const name = endpointChainName(key, iface);
        state.chains.set(name, this.chain(c, name, rs, state));
      }
    }
    return state;
  }

  /** A chain's lines; dispatch chains (vmap verdicts, expanded from the maps) are translated every time. */
  private chain(c: Chain, name: string, rs: Ruleset, state: IptState): string[] {
    if (c.rules.some((r) => r.verdict.kind === 'vmap')) return chainLines(c, name, rs, state);
    let byName = this.chains.get(c);
    if (!byName) this.chains.set(c, (byName = new Map()));
    let hit = byName.get(name);
    if (!hit) {
      const scratch: IptState = { chains: new Map(), sets: new Map() };
      hit = { lines: chainLines(c, name, rs, scratch), anon: [...scratch.sets] };
      byName.set(name, hit);
    }
    for (const [n, set] of hit.anon) if (!state.sets.has(n)) state.sets.set(n, set);
    return hit.lines;
  }
}

/** The whole IPv4 filter state of a ruleset in Felix's iptables layout (translated from scratch). */
export function translateRuleset(rs: Ruleset): IptState {
  return new IptTranslator().translate(rs);
}

/** `iptables-restore` input writing the given chains (declaring a chain flushes it under --noflush). */
export function iptablesScript(state: IptState, chains: Iterable<string>, deleted: Iterable<string> = [], hook = false): string {
  const names = [...chains];
  const lines = ['*filter', ...names.map((n) => `:${n} - [0:0]`)];
  const gone = [...deleted];
  for (const n of gone) lines.push(`:${n} - [0:0]`);
  if (hook) lines.push('-A FORWARD -j cali-FORWARD', '-A INPUT -j cali-INPUT');
  for (const n of names) lines.push(...(state.chains.get(n) ?? []));
  for (const n of gone) lines.push(`-X ${n}`);
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/** `ipset restore` input creating sets and applying member deltas from `prev` (undefined: everything new). */
export function ipsetScript(next: IptState, prev?: IptState): { script: string; destroy: string } {
  const lines: string[] = [];
  for (const [name, s] of next.sets) {
    const old = prev?.sets.get(name);
    if (old === s) continue;
    if (!old) {
      lines.push(`create ${name} ${s.type} family inet maxelem 1048576`);
      for (const m of s.members) lines.push(`add ${name} ${m}`);
      continue;
    }
    const before = new Set(old.members);
    const after = new Set(s.members);
    for (const m of s.members) if (!before.has(m)) lines.push(`add ${name} ${m}`);
    for (const m of old.members) if (!after.has(m)) lines.push(`del ${name} ${m}`);
  }
  const destroy: string[] = [];
  for (const name of prev?.sets.keys() ?? []) if (!next.sets.has(name)) destroy.push(`destroy ${name}`);
  return { script: lines.length ? lines.join('\n') + '\n' : '', destroy: destroy.length ? destroy.join('\n') + '\n' : '' };
}

/** Chains whose rules differ between two states, and chains only in `prev`. */
export function changedChains(next: IptState, prev: IptState): { changed: string[]; deleted: string[] } {
  const changed: string[] = [];
  for (const [n, lines] of next.chains) {
    const old = prev.chains.get(n);
    if (old === lines) continue;
    if (!old || old.length !== lines.length || old.some((l, i) => l !== lines[i])) changed.push(n);
  }
  const deleted = [...prev.chains.keys()].filter((n) => !next.chains.has(n));
  return { changed, deleted };
}

export function ruleCount(state: IptState): number {
  let n = 0;
  for (const c of state.chains.values()) n += c.length;
  return n;
}
