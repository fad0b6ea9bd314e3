// `gingham ipam check`: calicoctl's IPAM consistency report (progress lines, top nodes by allocations, one section
// per kind of problem, "Check complete; found N problems."), and the JSON report of `-o report.json`. The checks
// themselves are src/ipam/ipam-check.ts; this module only formats them.
import type { Datastore } from '../datastore';
import { checkIpam, loadIpamSnapshot, type IpamCheckResult, type IpamProblem, type IpamProblemKind, type IpamSnapshot } from '../ipam';

const SECTIONS: ReadonlyArray<{ title: string; kinds: readonly IpamProblemKind[]; found: (n: number) => string }> = [
  { title: 'Scanning for IPs that are allocated but not actually in use...', kinds: ['leaked-ip'], found: (n) => `Found ${n} IPs that are allocated in IPAM but not actually in use.` },
  {
    title: 'Scanning for IPs that are in use by a workload or node but not allocated in IPAM...',
    kinds: ['in-use-unallocated', 'duplicate-ip'],
    found: (n) => `Found ${n} in-use IPs that have no corresponding IPAM allocation or are used twice.`,
  },
  { title: 'Scanning for allocated IPs outside the IP pools...', kinds: ['outside-pool'], found: (n) => `Found ${n} allocated IPs that are not in any IP pool.` },
  { title: 'Scanning for IPAM handles with no matching IPs...', kinds: ['handle-without-ips', 'handle-count-mismatch'], found: (n) => `Found ${n} handles with no matching IPs or wrong counts.` },
  { title: 'Scanning for IPs with missing handle...', kinds: ['missing-handle', 'allocated-without-handle'], found: (n) => `Found ${n} IPs whose handle is missing.` },
  {
    title: 'Scanning blocks and affinities...',
    kinds: ['overlapping-blocks', 'invalid-block', 'orphaned-block', 'affinity-without-block', 'pending-affinity'],
    found: (n) => `Found ${n} problems with blocks or affinities.`,
  },
];

export interface CheckOptions {
  readonly showProblemIps?: boolean;
  readonly showAllIps?: boolean;
}

export function renderCheck(snap: IpamSnapshot, result: IpamCheckResult, opts: CheckOptions = {}): string {
  const out: string[] = ['Checking IPAM for inconsistencies...', '', 'Loading all IPAM blocks...', `Found ${snap.blocks.length} IPAM blocks.`];
  out.push(`IPAM blocks record ${result.allocations.length} allocations.`, '');
  out.push('Loading all IPAM pools...', ...snap.pools.map((p) => `  ${p.spec.cidr}`), `Found ${snap.pools.filter((p) => !p.spec.disabled).length} active IP pools.`, '');
  if (snap.workloadEndpoints !== undefined) {
    const ips = snap.workloadEndpoints.reduce((n, w) => n + (w.spec?.ipNetworks?.length ?? 0), 0);
    out.push('Loading all workload endpoints.', `Found ${ips} workload IPs.`, '');
  } else {
    out.push('Workload endpoints could not be listed: leaks and in-use-but-unallocated IPs are not checked.', '');
  }
  const top = [...result.perNode].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 20);
  out.push('Looking for top (up to 20) nodes by allocations...', ...top.map(([n, c]) => `  ${n} has ${c} allocations`));
  if (top.length > 0) {
    const counts = [...result.perNode.values()].sort((a, b) => a - b);
    out.push(`Node with most allocations has ${top[0]?.[1] ?? 0}; median is ${counts[Math.floor(counts.length / 2)] ?? 0}`);
  }
  out.push('');
  if (opts.showAllIps) {
    out.push('All allocated IPs:', ...result.allocations.map((a) => `  ${a.ip} block=${a.block} handle=${a.handle ?? ''} node=${a.node ?? ''}`), '');
  }
  for (const s of SECTIONS) {
    const hits = result.problems.filter((p) => s.kinds.includes(p.kind));
    out.push(s.title);
    if (opts.showProblemIps !== false) out.push(...hits.map((p) => `  ${p.detail}`));
    out.push(s.found(hits.length), '');
  }
  out.push(`Check complete; found ${result.problems.length} problems.`);
  return out.join('\n') + '\n';
}

export interface CheckReport {
  readonly version: string;
  readonly generatedAt: string;
  readonly summary: { readonly blocks: number; readonly allocations: number; readonly problems: number };
  readonly problems: readonly IpamProblem[];
  readonly allocations: IpamCheckResult['allocations'];
}

export function checkReport(snap: IpamSnapshot, result: IpamCheckResult, now: number): CheckReport {
  return {
    version: 'gingham.ipam-check/v1',
    generatedAt: new Date(now).toISOString(),
    summary: { blocks: snap.blocks.length, allocations: result.allocations.length, problems: result.problems.length },
    problems: result.problems,
    allocations: result.allocations,
  };
}

export async function runCheck(store: Datastore, opts: CheckOptions, now: number): Promise<{ text: string; report: CheckReport; problems: number }> {
  const snap = await loadIpamSnapshot(store);
  const result = checkIpam(snap);
  return { text: renderCheck(snap, result, opts), report: checkReport(snap, result, now), problems: result.problems.length };
}
