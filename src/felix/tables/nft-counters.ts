// Reading the table's named counters back: one `nft -j list counters table <family> <table>` lists every counter
// of the table and nothing else (no rules, no set elements), so its cost follows the number of counters, not the
// size of the table.

import { NftError, type NftRunner } from './nft-command';

export interface CounterValue {
  readonly packets: number;
  readonly bytes: number;
}

/** Counter name -> values, from `nft -j list counters` output. */
export function parseCounters(json: string, table: string): Map<string, CounterValue> {
  const parsed = JSON.parse(json) as { nftables?: Array<Record<string, unknown>> };
  const out = new Map<string, CounterValue>();
  for (const item of parsed.nftables ?? []) {
    const c = item.counter as { name?: unknown; table?: unknown; packets?: unknown; bytes?: unknown } | undefined;
    if (c?.table === table && typeof c.name === 'string') out.set(c.name, { packets: Number(c.packets ?? 0), bytes: Number(c.bytes ?? 0) });
  }
  return out;
}

/** The table's counters now; an absent table has none. Throws NftError if nft fails otherwise. */
export async function readCounters(runner: NftRunner, family: 'ip' | 'ip6', table: string): Promise<Map<string, CounterValue>> {
  const res = await runner.run(['-j', 'list', 'counters', 'table', family, table]);
  if (res.code !== 0) {
    if (/No such file or directory/.test(res.stderr)) return new Map();
    throw new NftError('NftListFailed', `${family} ${table}`, undefined, undefined, res.stderr);
  }
  return parseCounters(res.stdout, table);
}
