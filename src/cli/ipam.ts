// `gingham ipam show|check|release|configure`, calicoctl's IPAM commands, over the datastore the client configuration
// names. Output formats are ipam-show.ts and ipam-check.ts; this module parses options and maps IPAM errors to
// one-line messages with exit code 1.
import fs from 'node:fs';
import type { Command } from 'commander';
import type { Datastore } from '../datastore';
import { IpamAllocator, isIpamError } from '../ipam';
import { describeError } from '../lib/errors';
import { tryParseIp } from '../lib/ip';
import { addDatastoreOptions, withDatastore, type DatastoreCliOptions } from './datastore-options';
import type { CliDeps } from './deps';
import { runCheck } from './ipam-check';
import { registerIpamGc } from './ipam-gc-status';
import { showIpam } from './ipam-show';
import { CliExit } from './run';

function parseBool(flag: string, v: string): boolean {
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new CliExit(1, `${flag} must be true or false (got "${v}")`);
}

function parseCount(flag: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 2147483647) throw new CliExit(1, `${flag} must be a whole number from 0 (got "${v}")`);
  return Number(v);
}

function checkIpArg(flag: string, v: string): string {
  const bare = v.includes('/') ? v.slice(0, v.indexOf('/')) : v;
  if (tryParseIp(bare) === undefined) throw new CliExit(1, `${flag}: "${v}" is not an IP address`);
  return v;
}

/** IPAM decisions and bad input become "<message>" with exit 1; anything else propagates to runCli. */
async function ipamCommand<T>(deps: CliDeps, opts: DatastoreCliOptions, fn: (ds: Datastore) => Promise<T>): Promise<T> {
  try {
    return await withDatastore(deps, opts, fn);
  } catch (err) {
    if (isIpamError(err)) throw new CliExit(1, err.message);
    throw err;
  }
}

/** `ipam release --ip`: calicoctl's messages. */
export async function releaseIpCommand(store: Datastore, ip: string): Promise<string> {
  const r = await new IpamAllocator(store).releaseIps([ip]);
  if (r.released.length === 0) throw new CliExit(1, `IP address ${ip} is not assigned`);
  return `Successfully released IP address ${ip}\n`;
}

/** `ipam release --node`: gives up a node's block affinities (refused while the Node exists, unless forced). */
export async function releaseNodeCommand(store: Datastore, node: string, force: boolean): Promise<string> {
  if (!force) {
    const exists = await store.get('Node', node).then(
      () => true,
      () => false,
    );
    if (exists) throw new CliExit(1, `node ${node} still exists: its blocks would become borrowable while it allocates from them; delete the node first or pass --force`);
  }
  const r = await new IpamAllocator(store).releaseHostAffinities(node);
  return `Released the block affinities of node ${node}: deleted ${r.deletedBlocks.length} empty block(s); ${r.unaffinedBlocks.length} block(s) still holding addresses are now unaffine${r.unaffinedBlocks.length ? ` (${r.unaffinedBlocks.join(', ')})` : ''}\n`;
}

/** `ipam configure`: one line per property set. */
export async function configureCommand(store: Datastore, strict: boolean | undefined, maxBlocks: number | undefined): Promise<string> {
  if (strict === undefined && maxBlocks === undefined) throw new CliExit(1, 'nothing to configure: give --strictaffinity=true|false and/or --max-blocks-per-host=N');
  const c = await new IpamAllocator(store).setConfig({
    ...(strict !== undefined ? { strictAffinity: strict } : {}),
    ...(maxBlocks !== undefined ? { maxBlocksPerHost: maxBlocks } : {}),
  });
  const lines: string[] = [];
  if (strict !== undefined) lines.push(`Successfully set StrictAffinity to: ${c.strictAffinity}`);
  if (maxBlocks !== undefined) lines.push(`Successfully set MaxBlocksPerHost to: ${c.maxBlocksPerHost}`);
  return lines.join('\n') + '\n';
}

export function registerIpam(program: Command, deps: CliDeps): void {
  const ipam = program.command('ipam').description('IP address management: show usage, check consistency, release addresses, configure');

  addDatastoreOptions(
    ipam
      .command('show')
      .description('show IP pool utilisation, blocks, borrowed addresses, the IPAM configuration or one address')
      .option('--ip <addr>', 'report whether this address is in use, and by whom')
      .option('--show-blocks', 'show each block as well as each pool')
      .option('--show-borrowed', 'show addresses nodes borrowed from other nodes\' blocks')
      .option('--show-configuration', 'show the IPAM configuration'),
  ).action(async (opts: DatastoreCliOptions & { ip?: string; showBlocks?: boolean; showBorrowed?: boolean; showConfiguration?: boolean }) => {
    if (opts.ip !== undefined) checkIpArg('--ip', opts.ip);
    deps.stdout(await ipamCommand(deps, opts, (ds) => showIpam(ds, opts)));
  });

  addDatastoreOptions(
    ipam
      .command('check')
      .description('check IPAM for leaked addresses, addresses in use but not allocated, bad handles and blocks')
      .option('-o, --output <file>', 'also write a JSON report to this file')
      .option('--show-all-ips', 'list every allocated address')
      .option('--show-problem-ips', 'list each problem (default)'),
  ).action(async (opts: DatastoreCliOptions & { output?: string; showAllIps?: boolean; showProblemIps?: boolean }) => {
    const r = await ipamCommand(deps, opts, (ds) => runCheck(ds, { showAllIps: opts.showAllIps === true }, deps.clock.now()));
    if (opts.output !== undefined) {
      try {
        fs.writeFileSync(opts.output, JSON.stringify(r.report, null, 2) + '\n');
      } catch (err) {
        throw new CliExit(1, `cannot write report ${opts.output}: ${describeError(err, { codes: false })}`);
      }
    }
    deps.stdout(r.text + (opts.output !== undefined ? `Report written to ${opts.output}\n` : ''));
  });

  addDatastoreOptions(
    ipam
      .command('release')
      .description('release an address (--ip), or the block affinities of a deleted node (--node)')
      .option('--ip <addr>', 'the address to release')
      .option('--node <name>', 'release every block affinity of this node')
      .option('--force', 'with --node: even though the Node resource still exists'),
  ).action(async (opts: DatastoreCliOptions & { ip?: string; node?: string; force?: boolean }) => {
    if ((opts.ip === undefined) === (opts.node === undefined)) throw new CliExit(1, 'give exactly one of --ip <addr> or --node <name>');
    if (opts.ip !== undefined) {
      const ip = checkIpArg('--ip', opts.ip);
      deps.stdout(await ipamCommand(deps, opts, (ds) => releaseIpCommand(ds, ip)));
    } else {
      const node = opts.node ?? '';
      deps.stdout(await ipamCommand(deps, opts, (ds) => releaseNodeCommand(ds, node, opts.force === true)));
    }
  });

  addDatastoreOptions(
    ipam
      .command('configure')
      .description('change the IPAM configuration')
      .option('--strictaffinity <bool>', 'true: nodes never borrow addresses from other nodes\' blocks')
      .option('--max-blocks-per-host <n>', 'blocks one node may claim (0: the default, 20; >0 needs --strictaffinity=true)'),
  ).action(async (opts: DatastoreCliOptions & { strictaffinity?: string; maxBlocksPerHost?: string }) => {
    const strict = opts.strictaffinity !== undefined ? parseBool('--strictaffinity', opts.strictaffinity) : undefined;
    const max = opts.maxBlocksPerHost !== undefined ? parseCount('--max-blocks-per-host', opts.maxBlocksPerHost) : undefined;
    deps.stdout(await ipamCommand(deps, opts, (ds) => configureCommand(ds, strict, max)));
  });
  registerIpamGc(ipam, deps);
}
