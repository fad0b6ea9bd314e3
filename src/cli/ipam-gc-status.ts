// `gingham ipam gc status`: the controllers' last garbage-collection pass (controllers/gc-status.ts): each leak
// candidate with since when, why it is one and what blocks its release, and the empty blocks kept. Read from the
// leader's /gc-status (metrics port 9094 by default; in a cluster, port-forward to the controllers pod) because only
// the leader knows since when; -o json prints the report as served.
import type { Command } from 'commander';
import { PORTS } from '../api/well-known';
import { GC_STATUS_PATH, describeBlocker, describeReason, type GcStatusNotLeader, type GcStatusReport } from '../controllers/gc-status';
import { describeError } from '../lib/errors';
import type { CliDeps } from './deps';
import { CliExit } from './run';
import { plainTable } from './table';

const DEFAULT_URL = `http://127.0.0.1:${PORTS.controllersMetrics}`;

export function formatGcStatus(r: GcStatusReport): string {
  const out: string[] = [`Last garbage-collection pass: ${r.passAt} (leakGracePeriod ${Math.round(r.leakGracePeriodMs / 1000)}s)`, ''];
  if (r.candidates.length === 0) out.push('No leak candidates.');
  else {
    out.push(`Leak candidates (${r.candidates.length}):`);
    out.push(
      plainTable(
        ['IP', 'NODE', 'POD', 'HANDLE', 'REASON', 'SINCE', 'CONFIRMED', 'BLOCKED BY'],
        r.candidates.map((c) => [c.ip, c.node || '-', c.pod ?? '-', c.handle ?? '-', describeReason(c.reason), c.since, c.confirmed ? 'yes' : 'no', describeBlocker(c.blockedBy)]),
      ).trimEnd(),
    );
  }
  if (r.emptyBlocks.length > 0) {
    out.push('', `Empty blocks kept (${r.emptyBlocks.length}):`);
    out.push(plainTable(['BLOCK', 'NODE', 'EMPTY SINCE', 'BLOCKED BY'], r.emptyBlocks.map((b) => [b.block, b.node, b.emptySince, describeBlocker(b.blockedBy)])).trimEnd());
  }
  return `${out.join('\n')}\n`;
}

async function fetchReport(base: string): Promise<GcStatusReport | GcStatusNotLeader> {
  const url = `${base.replace(/\/+$/, '')}${GC_STATUS_PATH}`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch (err) {
    throw new CliExit(1, `ipam gc status: cannot reach the controllers at ${url}: ${describeError(err)} (give their metrics or health address with --controllers)`);
  }
  const text = await res.text();
  if (res.status !== 200) throw new CliExit(1, `ipam gc status: ${url} answered ${res.status}: ${text.trim()}`);
  try {
    return JSON.parse(text) as GcStatusReport | GcStatusNotLeader;
  } catch {
    throw new CliExit(1, `ipam gc status: ${url} did not answer JSON`);
  }
}

export function registerIpamGc(ipam: Command, deps: CliDeps): void {
  const gc = ipam.command('gc').description("the controllers' IPAM garbage collection");
  gc.command('status')
    .description('leak candidates of the last pass: since when, why, and what blocks their release; empty blocks kept')
    .option('--controllers <url>', "the leading controllers' metrics or health address", DEFAULT_URL)
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (o: { controllers: string; output: string }) => {
      if (o.output !== 'table' && o.output !== 'json') throw new CliExit(1, `ipam gc status: -o: must be table or json, got "${o.output}"`);
      const r = await fetchReport(o.controllers);
      if (!r.leader) throw new CliExit(1, `ipam gc status: ${o.controllers} is replica ${r.identity}, which does not lead; ask the leader (the replica holding the gingham-kube-controllers lease)`);
      deps.stdout(o.output === 'json' ? `${JSON.stringify(r, null, 2)}\n` : formatGcStatus(r));
    });
}
