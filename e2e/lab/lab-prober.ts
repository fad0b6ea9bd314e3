// What both network-policy conformance runners (netpol-conformance.ts for the Kubernetes cases, anp-conformance.ts for
// the network-policy-api cases) need to probe a lab: whether this kernel has SCTP sockets, and one client process
// (testdata/netpol/prober.py) inside a pod's network namespace that probes a list of addresses on one port in
// parallel, as agnhost `connect --timeout` does upstream, so a row of probes costs about one timeout; and which
// policies the agents have programmed (named in their nftables rule comments).
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';

export const PROBER = path.join(__dirname, 'testdata', 'netpol', 'prober.py');

export type ProbeProtocol = 'TCP' | 'UDP' | 'SCTP';

/** Why this kernel has no SCTP sockets (the error of socket(AF_INET, SOCK_STREAM, 132)), or undefined where it has them. */
export function sctpUnavailable(): string | undefined {
  const r = spawnSync('python3', ['-c', 'import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM, 132)'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status === 0) return undefined;
  return (r.stderr.trim().split('\n').pop() ?? `python3 exited ${r.status}`).trim();
}

export function runAsync(cmd: string, args: readonly string[], timeoutMs: number): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Probes `ips` on one port from inside network namespace `netns`: address -> connected. */
export async function probeFrom(netns: string, protocol: ProbeProtocol, port: number, timeoutS: number, ips: readonly string[]): Promise<Record<string, boolean>> {
  const r = await runAsync('ip', ['netns', 'exec', netns, 'python3', PROBER, protocol.toLowerCase(), String(port), String(timeoutS), ...ips], 15_000);
  try {
    return JSON.parse(r.stdout) as Record<string, boolean>;
  } catch {
    throw new Error(`prober in ${netns} exited ${r.status}: ${r.stderr}${r.stdout}`);
  }
}

/** The policy ids named by rule comments in the agents' nftables tables (table `ip gingham`), over all nodes. */
export function programmedPolicies(nodeNamespaces: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const ns of nodeNamespaces) {
    const r = spawnSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'table', 'ip', 'gingham'], { encoding: 'utf8', timeout: 10_000 });
    for (const m of (r.stdout ?? '').matchAll(/comment "policy ([^"]+)"/g)) out.add(m[1]!);
  }
  return out;
}

/**
 * The policies the agents enforce now: those named by the jump comments of the endpoint chains their dispatch maps
 * (to-wl, from-wl) point at. Chains a change left unreferenced may stay in the table until a later transaction removes
 * them, so a policy named anywhere in the table is not necessarily in force.
 */
export function enforcedPolicies(nodeNamespaces: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const ns of nodeNamespaces) {
    const r = spawnSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'table', 'ip', 'gingham'], { encoding: 'utf8', timeout: 10_000 });
    const text = r.stdout ?? '';
    const chains = new Map<string, string>();
    for (const m of text.matchAll(/^\s*chain (\S+) \{\n([\s\S]*?)^\s*\}/gm)) chains.set(m[1]!, m[2]!);
    for (const m of text.matchAll(/^\s*map (?:to|from)-wl \{[\s\S]*?elements = \{([^}]*)\}/gm)) {
      for (const g of m[1]!.matchAll(/goto (\S+?)[,\s]/g)) {
        for (const c of (chains.get(g[1]!) ?? '').matchAll(/comment "policy ([^"]+)"/g)) out.add(c[1]!);
      }
    }
  }
  return out;
}
