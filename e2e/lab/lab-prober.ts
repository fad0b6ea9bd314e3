// What both network-policy conformance runners (netpol-conformance.ts for the Kubernetes cases, anp-conformance.ts for
// the network-policy-api cases) need to probe a lab: whether this kernel has SCTP sockets, and one client process
// (testdata/netpol/prober.py) inside a pod's network namespace that probes a list of addresses on one port in
// parallel, as agnhost `connect --timeout` does upstream, so a row of probes costs about one timeout; and which
// policies the agents enforce (whose chains are reachable from the base chains of their nftables tables).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnAsync, type TestLab } from './lab-harness';

export const PROBER = path.join(__dirname, 'testdata', 'netpol', 'prober.py');

export type ProbeProtocol = 'TCP' | 'UDP' | 'SCTP';

/** Why this kernel has no SCTP sockets (the error of socket(AF_INET, SOCK_STREAM, 132)), or undefined where it has them. */
export function sctpUnavailable(): string | undefined {
  const r = spawnSync('python3', ['-c', 'import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM, 132)'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status === 0) return undefined;
  return (r.stderr.trim().split('\n').pop() ?? `python3 exited ${r.status}`).trim();
}

/** Probes `ips` on one port from inside network namespace `netns`: address -> connected. */
export async function probeFrom(netns: string, protocol: ProbeProtocol, port: number, timeoutS: number, ips: readonly string[]): Promise<Record<string, boolean>> {
  const r = await spawnAsync('ip', ['netns', 'exec', netns, 'python3', PROBER, protocol.toLowerCase(), String(port), String(timeoutS), ...ips], 15_000);
  try {
    return JSON.parse(r.stdout) as Record<string, boolean>;
  } catch {
    throw new Error(`prober in ${netns} exited ${r.status}: ${r.stderr}${r.stdout}`);
  }
}

/**
 * The policy ids whose chains (`pi-<id>` / `po-<id>`) are reachable from the base chains in the agents' nftables
 * tables (table `ip gingham`), over all nodes: following jumps, gotos and the per-interface verdict maps. Reachable,
 * not merely present: the agent leaves chains nothing refers to any more (a deleted policy's, an endpoint chain
 * replaced by another) until its periodic clean-up (policy-dataplane.ts verify), so presence says nothing.
 */
export function programmedPolicies(nodeNamespaces: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const ns of nodeNamespaces) {
    const r = spawnSync('ip', ['netns', 'exec', ns, 'nft', '-j', 'list', 'table', 'ip', 'gingham'], { encoding: 'utf8', timeout: 10_000 });
    for (const chain of reachableChains(r.stdout ?? '')) {
      const m = /^p[io]-(.+)$/.exec(chain);
      if (m) out.add(m[1]!);
    }
  }
  return out;
}

/** The chains reachable from a table's base chains in `nft -j list table` output (maps are nodes `@<name>`). */
function reachableChains(json: string): Set<string> {
  let items: Record<string, Record<string, unknown>>[] = [];
  try {
    items = (JSON.parse(json) as { nftables?: Record<string, Record<string, unknown>>[] }).nftables ?? [];
  } catch {
    return new Set();
  }
  const edges = new Map<string, Set<string>>();
  const link = (from: string, body: unknown): void => {
    const text = JSON.stringify(body);
    const to = edges.get(from) ?? new Set<string>();
    for (const m of text.matchAll(/"target":"([^"]+)"/g)) to.add(m[1]!);
    for (const m of text.matchAll(/"@([^"]+)"/g)) to.add(`@${m[1]!}`);
    edges.set(from, to);
  };
  const roots: string[] = [];
  for (const item of items) {
    if (item.chain && item.chain.hook !== undefined) roots.push(String(item.chain.name));
    if (item.rule) link(String(item.rule.chain), item.rule.expr);
    if (item.map) link(`@${String(item.map.name)}`, item.map.elem);
  }
  const seen = new Set<string>(roots);
  for (let queue = [...roots]; queue.length > 0; ) {
    for (const next of edges.get(queue.pop()!) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

/** One query of `gingham policy explain --batch` and its answer (the fields the runners read). */
export interface ExplainQuery {
  readonly from: string;
  readonly to: string;
  readonly protocol: string;
  readonly port: number;
}
export interface ExplainLine {
  readonly query: ExplainQuery;
  readonly result?: { verdict: 'allow' | 'deny' };
  readonly error?: { message: string };
}

/**
 * `gingham policy explain --batch` for `queries` in one run inside master1 (against the lab's etcd at `etcd`), the
 * answers in query order. A runner starts it once the datastore holds what it probes and awaits it after the probes.
 */
export async function explainBatch(lab: TestLab, etcd: string, dir: string, queries: readonly ExplainQuery[]): Promise<ExplainLine[]> {
  const file = path.join(dir, `explain-${process.hrtime.bigint()}.jsonl`);
  writeFileSync(file, queries.map((q) => JSON.stringify(q) + '\n').join(''));
  const r = await lab.ginghamInNodeAsync('master1', etcd, ['policy', 'explain', '--batch', file]);
  if (r.status !== 0) throw new Error(`gingham policy explain --batch failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const out = r.stdout.split('\n').filter((x) => x !== '').map((l) => JSON.parse(l) as ExplainLine);
  if (out.length !== queries.length) throw new Error(`gingham policy explain --batch answered ${out.length} of ${queries.length} queries`);
  return out;
}

/** What explain says of a probe: connected (allow), blocked (deny), or its error. */
export const explainSays = (a: ExplainLine | undefined): string => a?.result?.verdict ?? a?.error?.message ?? 'no answer';
