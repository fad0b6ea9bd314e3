import type { Ruleset } from '../rules/ir';
import { NftError, failingLine, type CommandResult, type NftRunner } from './nft-command';
import { renderTable, type RenderedTable } from './nft-render';
import { NftTableOwner } from './table-owner';

/** Records every call; answers listings from `listing` and transactions from `fail` (failure injection). */
class FakeNft implements NftRunner {
  calls: Array<{ args: readonly string[]; stdin?: string }> = [];
  listing: string | undefined;
  fail: CommandResult | undefined;

  async run(args: readonly string[], stdin?: string): Promise<CommandResult> {
    this.calls.push({ args, ...(stdin !== undefined ? { stdin } : {}) });
    if (args[0] === '-j') {
      if (this.listing === undefined) return { code: 1, stdout: '', stderr: 'Error: No such file or directory; did you mean table ‘filter’ in family ip?' };
      return { code: 0, stdout: this.listing, stderr: '' };
    }
    if (this.fail) return this.fail;
    return { code: 0, stdout: '', stderr: '' };
  }

  scripts(): string[] {
    return this.calls.filter((c) => c.args[0] === '-f').map((c) => c.stdin ?? '');
  }
}

function ruleset(opts: { elements?: string[]; type?: 'host' | 'addr'; ifaces?: Record<string, string>; extraRule?: boolean } = {}): RenderedTable {
  const chains = new Map([
    ['forward', { name: 'forward', hook: { hook: 'forward' as const, priority: 0 }, rules: [{ matches: [], verdict: { kind: 'jump' as const, chain: 'ep' }, comment: 'to ep' }] }],
    [
      'ep',
      {
        name: 'ep',
        rules: [
          { matches: [{ kind: 'addrSet' as const, dir: 'src' as const, set: 's1' }], verdict: { kind: 'accept' as const } },
          ...(opts.extraRule ? [{ matches: [], verdict: { kind: 'drop' as const }, comment: 'extra' }] : []),
        ],
      },
    ],
  ]);
  const rs: Ruleset = {
    family: 4,
    chains,
    sets: new Map([['s1', { name: 's1', type: opts.type ?? ('host' as const), elements: opts.elements ?? ['10.0.0.1'] }]]),
    maps: new Map([['to-wl', { name: 'to-wl', key: 'ifname' as const, entries: new Map(Object.entries(opts.ifaces ?? { calia: 'ep' })) }]]),
  };
  return renderTable(rs, 'gingham');
}

const listingOf = (objects: unknown[]): string => JSON.stringify({ nftables: [{ metainfo: {} }, { table: { family: 'ip', name: 'gingham' } }, ...objects] });

describe('NftTableOwner', () => {
  it('creates the table in one transaction on first sync, then writes only set deltas without element commands', async () => {
    const nft = new FakeNft();
    const owner = new NftTableOwner(nft, 'ip');
    const first = await owner.sync(ruleset());
    expect(first.applied).toBe(true);
    expect(nft.scripts()).toHaveLength(1);
    expect(nft.scripts()[0]).toContain('add chain ip gingham forward { type filter hook forward priority 0; policy accept; }');
    expect(nft.scripts()[0]).toContain('add set ip gingham s1 { type ipv4_addr; elements = { 10.0.0.1 } }');
    expect(nft.scripts()[0]).not.toContain('add element');
    expect(nft.scripts()[0]).not.toMatch(/flush table|delete table/);

    expect((await owner.sync(ruleset())).applied).toBe(false);
    await owner.sync(ruleset({ elements: ['10.0.0.1', '10.0.0.9'] }));
    // Additions: the declaration again with the new elements inline (no `add element`: see bodyLines).
    expect(nft.scripts()[1]).toBe('add table ip gingham\nadd set ip gingham s1 { type ipv4_addr; elements = { 10.0.0.9 } }\n');
    // A removal from a small set: flushed and refilled in the same transaction.
    await owner.sync(ruleset({ elements: ['10.0.0.9'] }));
    expect(nft.scripts()[2]).toBe('add table ip gingham\nflush set ip gingham s1\nadd set ip gingham s1 { type ipv4_addr; elements = { 10.0.0.9 } }\n');
  });

  it('removes from a big hash set with delete element, and renames a set that gains a prefix', async () => {
    const nft = new FakeNft();
    const owner = new NftTableOwner(nft, 'ip');
    const big = Array.from({ length: 1500 }, (_, i) => `10.1.${i >> 8}.${i & 255}`);
    await owner.sync(ruleset({ elements: big }));
    await owner.sync(ruleset({ elements: big.slice(1) }));
    expect(nft.scripts()[1]).toBe('add table ip gingham\ndelete element ip gingham s1 { 10.1.0.0 }\n');
    await owner.sync(ruleset({ elements: ['10.2.0.0/16'], type: 'addr' }));
    const lines = nft.scripts()[2]?.split('\n') ?? [];
    expect(lines).toContain('add set ip gingham s1-net { type ipv4_addr; flags interval; }');
    expect(lines).toContain('add rule ip gingham ep ip saddr @s1-net accept');
    // The old set is left to collect(): deleting makes the kernel's commit wait, so not in the enforcing transaction.
    expect(lines.some((l) => l.startsWith('delete'))).toBe(false);
    expect(await owner.collect()).toBe(1);
    expect(nft.scripts()[3]).toBe('add table ip gingham\nflush set ip gingham s1\ndelete set ip gingham s1\n');
    expect(await owner.collect()).toBe(0);
  });

  it('retires objects no longer wanted: not tampering, written anew when wanted again, deleted by collect chains first', async () => {
    const nft = new FakeNft();
    const owner = new NftTableOwner(nft, 'ip');
    const base = ruleset();
    await owner.sync(base);
    // A ruleset without chain ep (forward jumps nowhere) and without set s1.
    const smaller = renderTable({ family: 4, chains: new Map([['forward', { name: 'forward', hook: { hook: 'forward' as const, priority: 0 }, rules: [] }]]), sets: new Map(), maps: new Map() }, 'gingham');
    await owner.sync(smaller);
    expect(nft.scripts()[1]).toBe('add table ip gingham\nflush chain ip gingham forward\n');
    nft.listing = listingOf([
      { chain: { family: 'ip', table: 'gingham', name: 'forward', hook: 'forward' } },
      { chain: { family: 'ip', table: 'gingham', name: 'ep' } },
      { set: { family: 'ip', table: 'gingham', name: 's1', elem: ['10.0.0.1'] } },
      { map: { family: 'ip', table: 'gingham', name: 'to-wl', elem: [] } },
    ]);
    expect(await owner.verify(false)).toEqual([]);
    // Wanted again: declared and filled anew (declaring an existing object is a no-op; a copy deleted meanwhile,
    // e.g. by another owner of the table, is created again).
    await owner.sync(smaller);
    await owner.sync(base);
    expect(nft.scripts()).toHaveLength(3);
    const again = nft.scripts()[2]?.split('\n') ?? [];
    expect(again).toContain('add chain ip gingham ep');
    expect(again).toContain('add set ip gingham s1 { type ipv4_addr; elements = { 10.0.0.1 } }');
    expect(again).toContain('add rule ip gingham forward jump ep comment "to ep"');
    await owner.sync(smaller);
    expect(await owner.collect()).toBe(3);
    expect(nft.scripts().at(-1)?.split('\n')).toEqual([
      'add table ip gingham',
      'flush set ip gingham s1',
      'flush map ip gingham to-wl',
      'flush chain ip gingham ep',
      'delete chain ip gingham ep',
      'delete set ip gingham s1',
      'delete map ip gingham to-wl',
      '',
    ]);
  });

  it('rewrites a changed chain and a changed map', async () => {
    const nft = new FakeNft();
    const owner = new NftTableOwner(nft, 'ip');
    await owner.sync(ruleset());
    await owner.sync(ruleset({ extraRule: true, ifaces: { calia: 'ep', calib: 'ep' } }));
    expect(nft.scripts()[1]?.split('\n')).toEqual([
      'add table ip gingham',
      'flush chain ip gingham ep',
      'add rule ip gingham ep ip saddr @s1 accept',
      'add rule ip gingham ep drop comment "extra"',
      'add map ip gingham to-wl { type ifname : verdict; elements = { "calib" : goto ep } }',
      '',
    ]);
    // An entry removed (or given another verdict): the map is rewritten whole.
    await owner.sync(ruleset({ extraRule: true, ifaces: { calib: 'ep' } }));
    expect(nft.scripts()[2]).toBe('add table ip gingham\nflush map ip gingham to-wl\nadd map ip gingham to-wl { type ifname : verdict; elements = { "calib" : goto ep } }\n');
  });

  it('on restart adopts the existing table: flushes and refills its objects in one transaction, deletes stale ones last', async () => {
    const nft = new FakeNft();
    nft.listing = listingOf([
      { chain: { family: 'ip', table: 'gingham', name: 'forward', hook: 'forward' } },
      { chain: { family: 'ip', table: 'gingham', name: 'tw-old' } },
      { rule: { family: 'ip', table: 'gingham', chain: 'tw-old', expr: [{ drop: null }] } },
      { set: { family: 'ip', table: 'gingham', name: 's-old', elem: ['10.9.9.9'] } },
    ]);
    await new NftTableOwner(nft, 'ip').sync(ruleset());
    const lines = nft.scripts()[0]?.split('\n') ?? [];
    expect(lines[0]).toBe('add table ip gingham');
    expect(lines.slice(1, 4).sort()).toEqual(['flush chain ip gingham forward', 'flush chain ip gingham tw-old', 'flush set ip gingham s-old']);
    expect(lines).not.toContain('delete set ip gingham s1');
    expect(lines.slice(-3)).toEqual(['delete chain ip gingham tw-old', 'delete set ip gingham s-old', '']);
    expect(lines.some((l) => /flush table|delete table/.test(l))).toBe(false);
    expect(nft.scripts()).toHaveLength(1);
  });

  it('raises a typed error naming the table and failing line, keeps nothing half-applied, retries in full', async () => {
    const nft = new FakeNft();
    const owner = new NftTableOwner(nft, 'ip');
    await owner.sync(ruleset());
    nft.fail = { code: 1, stdout: '', stderr: '/dev/stdin:2:1-3: Error: Could not process rule: No such file or directory\nadd element ...\n^^^\n' };
    const err = await owner.sync(ruleset({ elements: ['10.0.0.2'] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NftError);
    expect(err).toMatchObject({ code: 'NftApplyFailed', table: 'ip gingham', line: 2, lineText: 'flush set ip gingham s1' });
    nft.fail = undefined;
    nft.listing = listingOf([{ set: { family: 'ip', table: 'gingham', name: 's1', elem: ['10.0.0.1'] } }]);
    await owner.sync(ruleset({ elements: ['10.0.0.2'] }));
    const retry = nft.scripts()[2] ?? '';
    expect(retry).toContain('flush set ip gingham s1');
    // Re-declared: a set left with other flags (another version's table) cannot be changed in place.
    expect(retry.indexOf('delete set ip gingham s1\n')).toBeLessThan(retry.indexOf('add set ip gingham s1 {'));
    expect(retry).toContain('add set ip gingham s1 { type ipv4_addr; elements = { 10.0.0.2 } }');
    expect(failingLine('x')).toBeUndefined();
  });

  it('detects tampering by comparing the listing with what was applied, and repairs it', async () => {
    const nft = new FakeNft();
    const owner = new NftTableOwner(nft, 'ip');
    await owner.sync(ruleset());
    const good = [
      { chain: { family: 'ip', table: 'gingham', name: 'forward' } },
      { rule: { family: 'ip', table: 'gingham', chain: 'forward', handle: 3, expr: [{ jump: { target: 'ep' } }], comment: 'to ep' } },
      { chain: { family: 'ip', table: 'gingham', name: 'ep' } },
      { rule: { family: 'ip', table: 'gingham', chain: 'ep', handle: 4, expr: [{ accept: null }] } },
      { set: { family: 'ip', table: 'gingham', name: 's1', elem: ['10.0.0.1'] } },
      { map: { family: 'ip', table: 'gingham', name: 'to-wl', elem: [['calia', { goto: { target: 'ep' } }]] } },
    ];
    nft.listing = listingOf(good);
    expect(await owner.verify()).toEqual([]);
    // Same content with new handles is not tampering.
    nft.listing = listingOf(good.map((o) => ('rule' in o ? { rule: { ...o.rule, handle: 99 } } : o)));
    expect(await owner.verify()).toEqual([]);
    const scriptsBefore = nft.scripts().length;
    nft.listing = listingOf([...good.slice(0, 3), { rule: { family: 'ip', table: 'gingham', chain: 'ep', handle: 5, expr: [{ drop: null }] } }, ...good.slice(3)]);
    expect(await owner.verify()).toEqual(['chain:ep']);
    expect(nft.scripts()).toHaveLength(scriptsBefore + 1);
    expect(nft.scripts().at(-1)).toContain('flush chain ip gingham ep');
  });

  it('declares per-rule counters, never flushes them (chain rewrites, restarts), and deletes one only when no rule uses it', async () => {
    const ref = { tier: 'default', policy: 'x/p', direction: 'ingress' as const, rule: 0 };
    const counted = (rules: number, extra = false): RenderedTable =>
      renderTable(
        {
          family: 4,
          chains: new Map([
            ['pi', { name: 'pi', rules: [...Array.from({ length: rules }, (_, i) => ({ matches: [], verdict: { kind: 'drop' as const }, ref: { ...ref, rule: i } })), ...(extra ? [{ matches: [], verdict: { kind: 'accept' as const } }] : [])] }],
          ]),
          sets: new Map(),
          maps: new Map(),
        },
        'gingham',
      );
    const nft = new FakeNft();
    const owner = new NftTableOwner(nft, 'ip');
    await owner.sync(counted(2));
    const first = nft.scripts()[0] ?? '';
    expect(first).toContain('add counter ip gingham gr/i/default/x/p/0');
    expect(first).toContain('add rule ip gingham pi counter name "gr/i/default/x/p/1" drop');
    expect(first).not.toMatch(/flush counter/);
    // The chain changes: it is rewritten, its counters are untouched.
    await owner.sync(counted(2, true));
    expect(nft.scripts()[1]).toContain('flush chain ip gingham pi');
    expect(nft.scripts()[1]).not.toMatch(/counter ip gingham/);
    // Rule 1 goes: its counter is retired and deleted by collect, after the chain.
    await owner.sync(counted(1, true));
    expect(await owner.collect()).toBe(1);
    expect(nft.scripts().at(-1)).toContain('delete counter ip gingham gr/i/default/x/p/1');
    expect(nft.scripts().at(-1)).not.toMatch(/flush counter/);
    // A restarted owner adopts the table: the kept counter is declared again (a no-op in nft), not flushed.
    nft.listing = listingOf([{ counter: { family: 'ip', table: 'gingham', name: 'gr/i/default/x/p/0', packets: 5, bytes: 300 } }, { chain: { family: 'ip', table: 'gingham', name: 'pi' } }]);
    const restarted = new NftTableOwner(nft, 'ip');
    await restarted.sync(counted(1));
    expect(nft.scripts().at(-1)).toContain('add counter ip gingham gr/i/default/x/p/0');
    expect(nft.scripts().at(-1)).not.toMatch(/(flush|delete) counter/);
    // Values moving is no tampering.
    expect(await restarted.verify(false)).toEqual([]);
  });
});
