// NAT outgoing (Felix's masquerade manager, felix/dataplane/linux/masq_mgr.go and felix/rules/nat.go): traffic from a pool with natOutgoing to a
// destination outside every pool leaves the node masqueraded to the node's address; pod-to-pod traffic never is.
//
// The rules live in one chain of our own in the nat table, `gingham-nat-outgoing`, jumped to from POSTROUTING; the
// whole chain is rewritten atomically with `iptables-restore --noflush` (only our chain is flushed), and when no pool
// has natOutgoing any more the chain is emptied (its jump stays, harmless). Nothing else in the tables is touched.
//   -A gingham-nat-outgoing -s <pool> -d <any pool> -j RETURN        (each natOutgoing pool x every pool)
//   -A gingham-nat-outgoing -s <pool> -j MASQUERADE                  (each natOutgoing pool)
// The command runner is injected so the rule text is unit-tested and the kernel path is tested in a namespace.
import { runChecked, type CommandRunner } from '../lib/command-runner';
import { DeltaTracker } from '../lib/delta-tracker';
import { canonicalCidr, tryParseCidr } from '../lib/ip';
import { DataplaneError, DataplaneErrorCode } from './dataplane-error';

export type { CommandRunner } from '../lib/command-runner';

export const NAT_CHAIN = 'gingham-nat-outgoing';

export interface NatPool {
  readonly cidr: string;
  readonly natOutgoing?: boolean;
  // No `disabled`: a disabled pool's existing pods keep NAT outgoing (felix/dataplane/linux/masq_mgr.go reads only
  // Masquerade).
}

/** The iptables-restore input that makes our chain exactly right for these pools (IPv4 only). */
export function natRestoreInput(pools: readonly NatPool[]): string {
  const v4 = pools.filter((p) => tryParseCidr(p.cidr)?.family === 4).map((p) => ({ ...p, cidr: canonicalCidr(p.cidr) }));
  const all = [...new Set(v4.map((p) => p.cidr))].sort();
  const masq = [...new Set(v4.filter((p) => p.natOutgoing).map((p) => p.cidr))].sort();
  const lines = ['*nat', `:${NAT_CHAIN} - [0:0]`];
  for (const src of masq) {
    for (const dst of all) lines.push(`-A ${NAT_CHAIN} -s ${src} -d ${dst} -m comment --comment "gingham: pod to pod" -j RETURN`);
    lines.push(`-A ${NAT_CHAIN} -s ${src} -m comment --comment "gingham: natOutgoing ${src}" -j MASQUERADE`);
  }
  lines.push('COMMIT', '');
  return lines.join('\n');
}

export class NatOutgoing {
  /** One item: the chain's restore input, desired vs last written. */
  private readonly chain = new DeltaTracker<typeof NAT_CHAIN, string>();

  constructor(private readonly run: CommandRunner) {}

  /** Makes the chain match the pools; a no-op when nothing changed since the last successful call. */
  async apply(pools: readonly NatPool[]): Promise<{ changed: boolean }> {
    const input = natRestoreInput(pools);
    this.chain.setDesired(NAT_CHAIN, input);
    if (this.chain.inSync) return { changed: false };
    await this.checked(['iptables-restore', '--noflush', '-w', '5'], `iptables-restore of ${NAT_CHAIN}`, input);
    // The jump from POSTROUTING, once.
    const jump = ['POSTROUTING', '-m', 'comment', '--comment', 'gingham: nat outgoing', '-j', NAT_CHAIN];
    const check = await this.run(['iptables', '-w', '5', '-t', 'nat', '-C', ...jump]);
    if (check.code !== 0) {
      await this.checked(['iptables', '-w', '5', '-t', 'nat', '-A', ...jump], `adding the POSTROUTING jump to ${NAT_CHAIN}`);
    }
    this.chain.markUpdated(NAT_CHAIN);
    return { changed: true };
  }

  private async checked(argv: readonly string[], what: string, stdin?: string): Promise<void> {
    try {
      await runChecked(this.run, argv, stdin, what);
    } catch (err) {
      throw new DataplaneError(DataplaneErrorCode.NatOutgoing, `cannot write the NAT-outgoing rules (${NAT_CHAIN})`, { cause: err });
    }
  }
}
