// Per-rule packet and byte counts: the table's named counters (one per RuleRef, nft-render.ts) read back from every
// family's table and summed per rule. Read on demand (a scrape, `gingham policy stats`): nothing is polled while
// nobody asks.
import type { RuleRef } from './rules/ir';
import { readCounters } from './tables/nft-counters';
import type { NftRunner } from './tables/nft-command';

export interface RuleStat extends RuleRef {
  readonly packets: number;
  readonly bytes: number;
}

function order(a: RuleStat, b: RuleStat): number {
  const ra = a.rule === 'end-of-tier' ? Infinity : a.rule;
  const rb = b.rule === 'end-of-tier' ? Infinity : b.rule;
  return a.tier.localeCompare(b.tier) || a.policy.localeCompare(b.policy) || a.direction.localeCompare(b.direction) || ra - rb || Number(a.staged ?? false) - Number(b.staged ?? false);
}

/** Counts per rule over the given tables; counters whose name is no RuleRef id are left out. */
export async function readRuleStats(runner: NftRunner, families: readonly ('ip' | 'ip6')[], table: string, resolve: (id: string) => RuleRef | undefined): Promise<RuleStat[]> {
  const sums = new Map<string, RuleStat>();
  for (const family of families) {
    for (const [id, v] of await readCounters(runner, family, table)) {
      const ref = resolve(id);
      if (!ref) continue;
      const prev = sums.get(id);
      sums.set(id, { ...ref, packets: (prev?.packets ?? 0) + v.packets, bytes: (prev?.bytes ?? 0) + v.bytes });
    }
  }
  return [...sums.values()].sort(order);
}
