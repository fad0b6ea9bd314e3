// `gingham ipam show`: pool (and block) utilisation, borrowed addresses, the IPAM configuration, or one address, in
// calicoctl's table layouts (go-pretty boxes, centred headers). The utilisation table has the columns the tutorial
// shows (GROUPING / CIDR / IPS TOTAL / IPS IN USE / IPS FREE; calicoctl 3.2x before RESERVED and COOLING were added):
// IPS TOTAL right-aligned, counts as Go's %.5g, "N (P%)" rounded as Go's %.f. Rendering is pure; showIpam reads the
// datastore.
import type { Datastore } from '../datastore';
import { IpamAllocator, blocksOutsidePools, borrowedIps, listBlocks, listPools, poolUsage, type BorrowedIp, type IpamConfig, type PoolUsage, type Usage, type AssignmentInfo } from '../ipam';
import { boxTable } from './table';

/** Go's %.0f: round half to even. */
export function goRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/** Go's %.5g of a count: plain up to 99999, then "2.6214e+05", trailing zeros dropped ("1e+06"). */
export function goG5(n: bigint): string {
  if (n < 100000n) return String(n);
  const [mant = '', exp = '0'] = Number(n).toExponential(4).split('e');
  const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
  const e = Number(exp);
  return `${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/** "41 (0%)": count and its share of total, as calicoctl prints it ("%.5g (%.f%%)"). */
export function countWithPercent(n: bigint, total: bigint): string {
  const pct = total === 0n ? 0 : goRound((100 * Number(n)) / Number(total));
  return `${goG5(n)} (${pct}%)`;
}

function row(grouping: string, u: Usage): string[] {
  return [grouping, u.cidr, goG5(u.total), countWithPercent(u.inUse, u.total), countWithPercent(u.free, u.total)];
}

const USAGE_HEADERS = ['GROUPING', 'CIDR', 'IPS TOTAL', 'IPS IN USE', 'IPS FREE'];

export function renderUsage(pools: readonly PoolUsage[], showBlocks: boolean, orphanBlocks: readonly Usage[] = []): string {
  const rows: string[][] = [];
  for (const p of pools) {
    rows.push(row('IP Pool', p));
    if (showBlocks) for (const b of p.blocks) rows.push(row('Block', b));
  }
  if (showBlocks) for (const b of orphanBlocks) rows.push(row('Block', b));
  return boxTable(USAGE_HEADERS, rows, [undefined, undefined, 'right']);
}

export function renderBorrowed(rows: readonly BorrowedIp[]): string {
  return boxTable(
    ['IP', 'BORROWING-NODE', 'BLOCK', 'BLOCK OWNER', 'TYPE', 'ALLOCATED-TO'],
    rows.map((r) => [r.ip, r.borrowingNode, r.block, r.blockOwner, r.type, r.allocatedTo]),
  );
}

export function renderConfig(c: IpamConfig): string {
  return boxTable(['PROPERTY', 'VALUE'], [
    ['StrictAffinity', String(c.strictAffinity)],
    ['AutoAllocateBlocks', String(c.autoAllocateBlocks)],
    ['MaxBlocksPerHost', String(c.maxBlocksPerHost)],
  ]);
}

/** calicoctl ShowIP: "<ip> is not assigned", or "IP <ip> is in use", the handle and the owner's attributes. */
export function renderIp(ip: string, info: AssignmentInfo | undefined): string {
  if (info === undefined) return `${ip.split('/')[0] ?? ip} is not assigned\n`;
  const lines = [`IP ${info.address} is in use`, `Handle ID: ${info.handleId ?? '<none>'}`];
  const keys = Object.keys(info.attrs).sort();
  if (keys.length === 0) lines.push('No Active Owner attributes defined');
  else lines.push('Active Owner Attributes:', ...keys.map((k) => `  ${k}: ${info.attrs[k] ?? ''}`));
  return lines.join('\n') + '\n';
}

export interface ShowOptions {
  readonly ip?: string;
  readonly showBlocks?: boolean;
  readonly showBorrowed?: boolean;
  readonly showConfiguration?: boolean;
}

/** What `gingham ipam show [options]` prints. */
export async function showIpam(store: Datastore, opts: ShowOptions): Promise<string> {
  const ipam = new IpamAllocator(store);
  if (opts.ip !== undefined) return renderIp(opts.ip, await ipam.getAssignmentAttributes(opts.ip));
  if (opts.showConfiguration) return renderConfig(await ipam.getConfig());
  const [pools, blocks] = await Promise.all([listPools(store), listBlocks(store)]);
  if (opts.showBorrowed) return renderBorrowed(borrowedIps(blocks));
  return renderUsage(poolUsage(pools, blocks), opts.showBlocks === true, blocksOutsidePools(pools, blocks));
}
