// `gingham policy explain`: the verdict the policy calculation gives one packet, for the source's egress and the
// destination's ingress, with the tiers, policies and rules walked (node/policy-explain.ts computes it from the
// datastore with the agent's own calculation). One query from the options, or many with --batch: JSON lines of
// queries in ({"from","to","protocol","port",...}), JSON lines of answers out, in the same order, one datastore read.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describeError } from '../lib/errors';
import type { ExplainRequest } from '../node/policy-explain';
import { addDatastoreOptions, withDatastore, type DatastoreCliOptions } from './datastore-options';
import type { CliDeps } from './deps';
import { formatExplanation } from './policy-explain-format';
import { CliExit } from './run';

const PROTOCOLS = ['tcp', 'udp', 'sctp', 'icmp'];

interface ExplainOptions extends DatastoreCliOptions {
  from?: string;
  to?: string;
  port?: string;
  protocol: string;
  sourcePort?: string;
  icmpType?: string;
  icmpCode?: string;
  output: string;
  batch?: string;
}

function whole(flag: string, v: unknown, max: number): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) throw new CliExit(1, `policy explain: ${flag}: must be a whole number 0..${max}, got ${JSON.stringify(v)}`);
  return n;
}

/** A query from its fields (options or a batch line); `where` prefixes messages. */
export function explainRequest(o: Record<string, unknown>, where: string): ExplainRequest {
  const str = (k: string): string | undefined => {
    const v = o[k];
    if (v !== undefined && typeof v !== 'string') throw new CliExit(1, `${where}: ${k}: must be a string`);
    return v;
  };
  const from = str('from');
  const to = str('to');
  if (!from || !to) throw new CliExit(1, `${where}: give both --from and --to (NS/POD or an IP address)`);
  const protocol = (str('protocol') ?? 'tcp').toLowerCase();
  if (!PROTOCOLS.includes(protocol)) throw new CliExit(1, `${where}: protocol: must be one of ${PROTOCOLS.join(', ')}, got "${protocol}"`);
  const num = (k: string, flag: string, max: number): number | undefined => (o[k] === undefined ? undefined : whole(flag, o[k], max));
  const port = num('port', '--port', 65535);
  const sourcePort = num('sourcePort', '--source-port', 65535);
  const icmpType = num('icmpType', '--icmp-type', 255);
  const icmpCode = num('icmpCode', '--icmp-code', 255);
  if (port === undefined && protocol !== 'icmp') throw new CliExit(1, `${where}: --port is needed for ${protocol}`);
  return {
    from,
    to,
    protocol,
    ...(port !== undefined ? { port } : {}),
    ...(sourcePort !== undefined ? { sourcePort } : {}),
    ...(icmpType !== undefined ? { icmpType } : {}),
    ...(icmpCode !== undefined ? { icmpCode } : {}),
  };
}

/** The queries of a batch: one JSON object per non-empty line. */
export function parseBatch(text: string, name: string): ExplainRequest[] {
  const out: ExplainRequest[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch (err) {
      throw new CliExit(1, `policy explain: ${name}:${i + 1}: ${describeError(err, { codes: false })}`);
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new CliExit(1, `policy explain: ${name}:${i + 1}: must be a JSON object`);
    out.push(explainRequest(o as Record<string, unknown>, `policy explain: ${name}:${i + 1}`));
  });
  return out;
}

export function registerPolicyExplain(policy: Command, deps: CliDeps): void {
  addDatastoreOptions(
    policy
      .command('explain')
      .description("why a packet is allowed or denied: the source's egress and the destination's ingress, tier by tier, policy by policy")
      .option('--from <peer>', 'the source: NS/POD (POD alone: namespace default) or an IP address')
      .option('--to <peer>', 'the destination: NS/POD or an IP address')
      .option('--port <n>', 'destination port (tcp, udp, sctp)')
      .option('--protocol <p>', 'tcp, udp, sctp or icmp', 'tcp')
      .option('--source-port <n>', 'source port, needed only where a rule matches on it')
      .option('--icmp-type <n>', 'ICMP type (default: echo request)')
      .option('--icmp-code <n>', 'ICMP code (default 0)')
      .option('-o, --output <format>', 'text or json', 'text')
      .option('--batch <file>', 'many queries: JSON lines {"from","to","protocol","port",...} from a file or - (stdin); JSON lines of answers out'),
  ).action(async (o: ExplainOptions) => {
    if (o.output !== 'text' && o.output !== 'json') throw new CliExit(1, `policy explain: -o: must be text or json, got "${o.output}"`);
    let queries: ExplainRequest[];
    if (o.batch !== undefined) {
      if (o.from !== undefined || o.to !== undefined) throw new CliExit(1, 'policy explain: --batch takes its queries from the file: leave out --from and --to');
      let text: string;
      try {
        text = o.batch === '-' ? await deps.readStdin() : readFileSync(o.batch, 'utf8');
      } catch (err) {
        throw new CliExit(1, `policy explain: --batch ${o.batch}: ${describeError(err, { codes: false })}`);
      }
      queries = parseBatch(text, o.batch === '-' ? 'stdin' : o.batch);
    } else {
      queries = [explainRequest({ from: o.from, to: o.to, protocol: o.protocol, port: o.port, sourcePort: o.sourcePort, icmpType: o.icmpType, icmpCode: o.icmpCode }, 'policy explain')];
    }
    // The policy calculation is loaded by the command that uses it (program.ts keeps start-up small).
    const { loadPolicyExplainer } = await import('../node/policy-explain');
    const answers = await withDatastore(deps, o, async (ds) => (await loadPolicyExplainer(ds)).explainAll(queries));
    if (o.batch !== undefined) {
      deps.stdout(answers.map((a) => JSON.stringify(a) + '\n').join(''));
      return;
    }
    const a = answers[0]!;
    if ('error' in a) throw new CliExit(1, `policy explain: ${a.error.message}`);
    deps.stdout(o.output === 'json' ? JSON.stringify(a, null, 2) + '\n' : formatExplanation(a));
  });
}
