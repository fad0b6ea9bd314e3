// IpamAllocator: Calico's IPAM algorithm over the Datastore interface (contract in index.ts). This class orchestrates;
// the pure block maths are block-*.ts, the CAS loops over one object are ipam-block-write.ts, ipam-claim.ts and
// ipam-handles.ts. Every write is a compare-and-swap with a bounded retry; every failure is an IpamError (or the
// datastore's own Unavailable/Invalid).
import type { IPAMBlock } from '../api/kind-ipam-block';
import { blockNameForCidr } from '../api/kind-ipam-block';
import { DEFAULT_MAX_BLOCKS_PER_HOST, ipamConfigurationKind, type IPAMConfiguration } from '../api/kind-ipam-configuration';
import { Problems } from '../api/errors';
import type { Datastore } from '../datastore/datastore';
import { API_VERSION } from '../datastore/types';
import { systemClock, type Clock } from '../lib/clock';
import { nullLogger, type Logger } from '../lib/logger';
import { cidrContains, cidrsOverlap, formatCidr, maskCidr, parseCidr, type Cidr, type IpAddr } from '../lib/ip';
import { assignOrdinal, type AllocationOwner } from './block-assign';
import { fnv32a, blockCandidates } from './block-generator';
import { addressAt, blockCidr, formatSeq, hostCidr, ordinalOf, parseAddress } from './block-ordinals';
import { affinityHost, freeCount, isEmpty, ordinalsOfHandle, ownerOf } from './block-query';
import { assignInBlock, assignNext, releaseInBlock } from './ipam-block-write';
import { claimBlock, deleteAffinity, deleteEmptyBlock, setAffinityState } from './ipam-claim';
import { jitterBackoff, retry } from '../datastore/cas';
import { contention, ipamCas, isAlreadyExists, isConflict, isNotFound, type IpamContext } from './ipam-context';
import { IpamError, IpamErrorCode, invalidRequest } from './ipam-errors';
import { dropHandleBlocks } from './ipam-handles';
import { poolContaining, usablePools, type UsablePool } from './ipam-pools';
import { CONFIG_NAME, getConfigResource, getOrUndefined, hostAffinity, KIND_BLOCK, KIND_CONFIG, KIND_HANDLE, listBlocks, listHostAffinities, listPools, type StoredBlock, type StoredHandle } from './ipam-store';
import type {
  AssignedIp,
  AssignIpRequest,
  AssignmentInfo,
  AutoAssignRequest,
  AutoAssignResult,
  HostAffinityRelease,
  IpamConfig,
  IpamConfigPatch,
  ReleaseRequest,
  ReleaseResult,
} from './ipam-types';
import { describeError } from '../lib/errors';

export interface IpamAllocatorOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Attempts of each compare-and-swap loop (Calico: datastoreRetries = 100). */
  readonly maxAttempts?: number;
  /** Pause before CAS retry n; default: jittered, up to 20 ms. Tests pass a no-op. */
  readonly backoff?: (attempt: number) => Promise<void>;
}

const NAME_RE = /^[^/\s\p{Cc}]{1,253}$/u;
/** Candidate blocks examined per pool when claiming, so a pathological pool cannot stall a request. */
const MAX_CANDIDATES = 1 << 20;
/**
 * An empty block claimed by another node at least this long ago may be taken over when the pool has no free block
 * (libcalico-go EmptyBlockMinReclaimAge): old enough that its owner is not about to assign from a block it just claimed.
 */
export const EMPTY_BLOCK_RECLAIM_AGE_MS = 60_000;

function familyName(f: 4 | 6): string {
  return f === 4 ? 'IPv4' : 'IPv6';
}

function checkName(what: string, v: unknown): string {
  if (typeof v !== 'string' || !NAME_RE.test(v)) throw invalidRequest(`${what} must be a non-empty string without "/" or whitespace (got ${JSON.stringify(v)})`);
  return v;
}

function checkCount(what: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65536) throw invalidRequest(`${what} must be an integer between 0 and 65536 (got ${JSON.stringify(v)})`);
  return v;
}

function toConfig(res: IPAMConfiguration | undefined): IpamConfig {
  const s = res?.spec;
  const max = s?.maxBlocksPerHost ?? 0;
  return {
    strictAffinity: s?.strictAffinity ?? false,
    maxBlocksPerHost: max,
    effectiveMaxBlocksPerHost: max > 0 ? max : DEFAULT_MAX_BLOCKS_PER_HOST,
    autoAllocateBlocks: s?.autoAllocateBlocks ?? true,
  };
}

export class IpamAllocator {
  private readonly ctx: IpamContext;

  constructor(store: Datastore, opts: IpamAllocatorOptions = {}) {
    const clock = opts.clock ?? systemClock;
    this.ctx = {
      store,
      clock,
      maxAttempts: opts.maxAttempts ?? 100,
      log: (opts.logger ?? nullLogger).child('ipam'),
      backoff: opts.backoff ?? jitterBackoff(clock),
    };
  }

  // ---- configuration ------------------------------------------------------------------------------------------

  async getConfig(): Promise<IpamConfig> {
    return toConfig(await getConfigResource(this.ctx.store));
  }

  /** Changes the stored IPAMConfiguration "default" (created when absent); validated as the API validates it. */
  async setConfig(patch: IpamConfigPatch): Promise<IpamConfig> {
    const { store } = this.ctx;
    return ipamCas(this.ctx, `${KIND_CONFIG} ${CONFIG_NAME}`, async () => {
      const current = await getConfigResource(store);
      const base = current?.spec ?? { strictAffinity: false, autoAllocateBlocks: true };
      const spec = { ...base };
      if (patch.strictAffinity !== undefined) spec.strictAffinity = patch.strictAffinity;
      if (patch.autoAllocateBlocks !== undefined) spec.autoAllocateBlocks = patch.autoAllocateBlocks;
      if (patch.maxBlocksPerHost !== undefined) spec.maxBlocksPerHost = patch.maxBlocksPerHost;
      const res: IPAMConfiguration = { apiVersion: API_VERSION, kind: 'IPAMConfiguration', metadata: current?.metadata ?? { name: CONFIG_NAME }, spec };
      const problems = new Problems();
      ipamConfigurationKind.validate(res, problems);
      if (problems.list.length > 0) throw invalidRequest(`IPAMConfiguration: ${problems.list.map((p) => `${p.path}: ${p.rule}`).join('; ')}`);
      try {
        const saved = current ? await store.update(res) : await store.create(res);
        return toConfig(saved);
      } catch (err) {
        if (!isConflict(err) && !isNotFound(err) && !isAlreadyExists(err)) throw err;
        return retry(err);
      }
    });
  }

  // ---- assignment ---------------------------------------------------------------------------------------------

  async autoAssign(req: AutoAssignRequest): Promise<AutoAssignResult> {
    const handleId = checkName('handleId', req.handleId);
    const host = checkName('hostname', req.hostname);
    const num4 = checkCount('num4', req.num4);
    const num6 = checkCount('num6', req.num6);
    if (num4 + num6 === 0) throw invalidRequest('autoAssign needs num4 or num6 greater than 0');
    const owner: AllocationOwner = { handleId, attrs: { ...(req.attrs ?? {}) } };
    const config = this.getConfig();
    const out: AssignedIp[] = [];
    try {
      if (num4 > 0) await this.assignFamily(4, num4, host, owner, req, config, out);
      if (num6 > 0) await this.assignFamily(6, num6, host, owner, req, config, out);
    } catch (err) {
      // All or nothing: a dual-stack request that gets only one family, or fewer addresses than asked, keeps none.
      await this.undo(out, handleId);
      throw err;
    }
    return {
      ipv4: out.filter((a) => a.family === 4).map((a) => a.cidr),
      ipv6: out.filter((a) => a.family === 6).map((a) => a.cidr),
      assigned: out,
    };
  }

  private async undo(assigned: readonly AssignedIp[], handleId: string): Promise<void> {
    if (assigned.length === 0) return;
    try {
      await this.releaseIps(assigned.map((a) => ({ ip: a.address, handleId, sequenceNumber: a.sequenceNumber })));
    } catch (err) {
      this.ctx.log.error('could not undo a partial assignment; ipam check will report it', { handle: handleId, error: describeError(err) });
    }
  }

  private async assignFamily(
    family: 4 | 6,
    num: number,
    host: string,
    owner: AllocationOwner,
    req: AutoAssignRequest,
    configRead: Promise<IpamConfig>,
    out: AssignedIp[],
  ): Promise<void> {
    // The independent reads of the first round run in parallel: this is the latency every pod start pays.
    const [pools, firstAffinities, config] = await Promise.all([
      usablePools(this.ctx.store, { family, host, requested: req.pools, intendedUse: req.intendedUse ?? 'Workload' }),
      listHostAffinities(this.ctx.store, host, family),
      configRead,
    ]);
    const inPools = (cidr: string): boolean => pools.some((p) => cidrContains(p.cidr, parseCidr(cidr)));
    const mine = (b: StoredBlock): boolean => b.spec.affinity === hostAffinity(host);
    let need = num;
    let limitReached = false;
    let noFreeBlocks = false;
    // Each round claims at most one block, so the bound is the block limit plus slack for lost claim races.
    for (let round = 0; need > 0; round++) {
      if (round > config.effectiveMaxBlocksPerHost + 50) throw contention(this.ctx, `assigning ${familyName(family)} addresses for node ${host}`);
      // 1. The host's own blocks, in the order of their CIDRs.
      const listed = round === 0 ? firstAffinities : await listHostAffinities(this.ctx.store, host, family);
      const affinities = listed.filter((a) => a.spec.state !== 'pendingDeletion');
      for (const aff of affinities.filter((a) => inPools(a.spec.cidr))) {
        if (need === 0) break;
        const got = await this.assignAffine(host, aff.spec.cidr, aff.spec.state, need, owner, mine);
        out.push(...got);
        need -= got.length;
      }
      if (need === 0) break;
      // 2. A new block.
      if (config.autoAllocateBlocks && affinities.length < config.effectiveMaxBlocksPerHost) {
        const claimed = await this.claimNewBlock(host, family, pools);
        if (claimed !== undefined) continue;
        noFreeBlocks = true;
      } else if (config.autoAllocateBlocks) {
        limitReached = true;
      }
      // 3. Borrow from any block of the pools with room.
      if (!config.strictAffinity) {
        const got = await this.borrow(host, family, need, owner, inPools);
        out.push(...got);
        need -= got.length;
      }
      break;
    }
    if (need > 0) throw this.exhausted(family, num, num - need, host, pools, config, limitReached, noFreeBlocks);
  }

  /**
   * Assigns from one of the host's affinities, settling one a claim left unfinished as Calico's getBlockFromAffinity
   * does (libcalico-go ipam.go): the block missing (a claim whose block create failed or crashed, or a block deleted
   * underneath): claim it again, which completes or abandons the claim; the block another host's: delete this stale
   * affinity; the block ours but the affinity still pending: confirm it.
   */
  private async assignAffine(host: string, cidr: string, state: string | undefined, need: number, owner: AllocationOwner, mine: (b: StoredBlock) => boolean): Promise<AssignedIp[]> {
    const blk = await getOrUndefined<StoredBlock>(this.ctx.store, KIND_BLOCK, blockNameForCidr(cidr));
    if (blk === undefined) return (await claimBlock(this.ctx, host, parseCidr(cidr))) ? assignNext(this.ctx, cidr, need, owner, mine) : [];
    if (!mine(blk)) {
      this.ctx.log.warn('block does not match the affinity; deleting the stale affinity', { node: host, block: cidr, blockAffinity: blk.spec.affinity ?? 'none' });
      await deleteAffinity(this.ctx, host, cidr);
      return [];
    }
    if (state === 'pending') await setAffinityState(this.ctx, host, cidr, 'confirmed');
    if (freeCount(blk.spec) === 0) return [];
    return assignNext(this.ctx, cidr, need, owner, mine, blk);
  }

  /**
   * Claims the first free block the host's generator yields, across the pools in order; when every block of the
   * pools exists, takes over an empty block another node claimed long enough ago (Calico's reclaim: a deleted node's
   * empty blocks must not exhaust the pool). Its CIDR, or undefined.
   */
  private async claimNewBlock(host: string, family: 4 | 6, pools: readonly UsablePool[]): Promise<string | undefined> {
    const blocks = await listBlocks(this.ctx.store, family);
    const taken = new Set(blocks.map((b) => b.spec.cidr));
    for (const pool of pools) {
      // Same-size blocks are found by name; only blocks of another size need the overlap test.
      const otherSizes = blocks.map((b) => parseCidr(b.spec.cidr)).filter((c) => c.prefixLen !== pool.blockSize);
      let examined = 0;
      for (const candidate of blockCandidates(pool.cidr, pool.blockSize, host)) {
        if (++examined > MAX_CANDIDATES) break;
        const text = formatCidr(candidate);
        if (taken.has(text) || otherSizes.some((e) => cidrsOverlap(e, candidate))) continue;
        if (await claimBlock(this.ctx, host, candidate)) {
          this.ctx.log.info('claimed block', { node: host, block: text, pool: pool.name });
          return text;
        }
        taken.add(text);
      }
    }
    const now = this.ctx.clock.now();
    const reclaimable = blocks.filter((b) => {
      const owner = affinityHost(b.spec);
      const claimed = Date.parse(b.spec.affinityClaimTime ?? '');
      return (
        owner !== undefined &&
        owner !== host &&
        isEmpty(b.spec) &&
        pools.some((p) => cidrContains(p.cidr, parseCidr(b.spec.cidr))) &&
        (Number.isNaN(claimed) || now - claimed >= EMPTY_BLOCK_RECLAIM_AGE_MS)
      );
    });
    for (const b of reclaimable) {
      if ((await this.reclaimEmptyBlock(b.spec.cidr, affinityHost(b.spec) ?? '')) && (await claimBlock(this.ctx, host, parseCidr(b.spec.cidr)))) {
        this.ctx.log.info('reclaimed an empty block of another node', { node: host, block: b.spec.cidr, previousOwner: b.spec.affinity });
        return b.spec.cidr;
      }
    }
    return undefined;
  }

  /** Takes an empty block from `owner`: its affinity -> pendingDeletion, CAS-delete the block while empty, drop the affinity. */
  private async reclaimEmptyBlock(cidr: string, owner: string): Promise<boolean> {
    await setAffinityState(this.ctx, owner, cidr, 'pendingDeletion');
    if (!(await deleteEmptyBlock(this.ctx, cidr))) {
      // The owner assigned from it meanwhile: it is alive and keeps the block.
      await setAffinityState(this.ctx, owner, cidr, 'confirmed');
      return false;
    }
    await deleteAffinity(this.ctx, owner, cidr);
    return true;
  }

  private async borrow(host: string, family: 4 | 6, need: number, owner: AllocationOwner, inPools: (cidr: string) => boolean): Promise<AssignedIp[]> {
    const blocks = (await listBlocks(this.ctx.store, family)).filter((b) => inPools(b.spec.cidr) && b.spec.affinity !== hostAffinity(host) && freeCount(b.spec) > 0);
    // Start at a host-specific place, so borrowers spread over the blocks instead of all hitting the first.
    const start = blocks.length > 0 ? fnv32a(host) % blocks.length : 0;
    const out: AssignedIp[] = [];
    for (let i = 0; i < blocks.length && out.length < need; i++) {
      const b = blocks[(start + i) % blocks.length];
      if (b === undefined) continue;
      const got = await assignNext(this.ctx, b.spec.cidr, need - out.length, owner);
      if (got.length > 0) this.ctx.log.info('borrowed addresses', { node: host, block: b.spec.cidr, owner: b.spec.affinity ?? 'none', count: got.length });
      out.push(...got);
    }
    return out;
  }

  private exhausted(family: 4 | 6, num: number, got: number, host: string, pools: readonly UsablePool[], config: IpamConfig, limitReached: boolean, noFreeBlocks: boolean): IpamError {
    const fam = familyName(family);
    const poolText = pools.map((p) => `pool ${p.cidrText}`).join(', ');
    const tail = `(found ${got} of ${num} ${fam} addresses for handle; none kept)`;
    if (limitReached) {
      const why = config.strictAffinity
        ? 'its blocks are full and strictAffinity=true forbids borrowing; raise it with `gingham ipam configure --max-blocks-per-host`, or add a pool'
        : `its blocks are full and no other block in ${poolText} has a free address`;
      return new IpamError(IpamErrorCode.BlockLimit, `node ${host} reached maxBlocksPerHost=${config.effectiveMaxBlocksPerHost}: ${why} ${tail}`);
    }
    if (noFreeBlocks) {
      const why = config.strictAffinity ? 'and strictAffinity=true forbids borrowing from other nodes\' blocks' : 'and no block has a free address';
      return new IpamError(IpamErrorCode.PoolExhausted, `${poolText} ${pools.length > 1 ? 'have' : 'has'} no free blocks ${why}; add a pool or release addresses ${tail}`);
    }
    return new IpamError(
      IpamErrorCode.NoAffineSpace,
      `node ${host} has no free address in its blocks, autoAllocateBlocks=false forbids claiming a block and strictAffinity=true forbids borrowing ${tail}`,
    );
  }

  /** Assigns one named address (e.g. from the cni.projectcalico.org/ipAddrs annotation). */
  async assignIp(req: AssignIpRequest): Promise<AssignedIp> {
    const handleId = checkName('handleId', req.handleId);
    const host = checkName('hostname', req.hostname);
    const ip = parseAddress(String(req.ip));
    if (ip === undefined) throw invalidRequest(`ip ${JSON.stringify(req.ip)} is not an IP address`);
    const owner: AllocationOwner = { handleId, attrs: { ...(req.attrs ?? {}) } };
    const config = await this.getConfig();
    const use = req.intendedUse;
    const pools = (await listPools(this.ctx.store)).filter((p) => !p.spec.disabled && (use === undefined || (p.spec.allowedUses ?? ['Workload', 'Tunnel']).includes(use)));
    const pool = poolContaining(pools, ip);
    const text = addressText(ip);
    if (pool === undefined) throw new IpamError(IpamErrorCode.NotAssignable, `${text} is in no enabled IP pool${use ? ` that allows ${use}` : ''}; create or enable a pool containing it`);
    return ipamCas(this.ctx, `assigning ${text}`, async () => {
      // Use the block that holds the address whatever its size; only when none does, claim the pool-grid block.
      const blocks = await listBlocks(this.ctx.store, ip.family);
      const blk = blocks.find((b) => cidrContains(parseCidr(b.spec.cidr), ip));
      if (blk === undefined) {
        const size = pool.spec.blockSize ?? (ip.family === 4 ? 26 : 122);
        const cidr = maskCidr({ family: ip.family, addr: ip.value, prefixLen: size });
        if (blocks.some((b) => cidrsOverlap(parseCidr(b.spec.cidr), cidr))) {
          throw new IpamError(IpamErrorCode.NotAssignable, `${text}: block ${formatCidr(cidr)} would overlap an existing block; run gingham ipam check`);
        }
        await claimBlock(this.ctx, host, cidr);
        return retry();
      }
      const holder = blk.spec.affinity;
      if (config.strictAffinity && holder !== hostAffinity(host)) {
        throw new IpamError(IpamErrorCode.NotAssignable, `${text} is in block ${blk.spec.cidr} of ${holder ?? 'no node'} and strictAffinity=true forbids node ${host} to use it`);
      }
      const ordinal = ordinalOf(blockCidr(blk.spec), ip) ?? -1;
      const taken = ownerOf(blk.spec, ordinal);
      if (taken) throw new IpamError(IpamErrorCode.AlreadyAllocated, `${text} is already allocated${taken.handleId ? ` to handle ${taken.handleId}` : ''}`);
      const got = await assignInBlock(this.ctx, blk.spec.cidr, owner, (spec) => {
        const r = assignOrdinal(spec, ordinal, owner);
        return r.ok ? r.assignment : { spec, ordinals: [], sequenceNumber: 0n };
      });
      const first = got[0];
      // Taken or block changed between the read and the write: look again.
      return first ?? retry();
    });
  }

  // ---- release ------------------------------------------------------------------------------------------------

  /** Releases addresses (bare or host-prefix form), each optionally guarded by handle and sequence number. */
  async releaseIps(requests: ReadonlyArray<string | ReleaseRequest>): Promise<ReleaseResult> {
    const parsed = requests.map((r) => {
      const q: ReleaseRequest = typeof r === 'string' ? { ip: r } : r;
      const ip = parseAddress(String(q.ip));
      if (ip === undefined) throw invalidRequest(`ip ${JSON.stringify(q.ip)} is not an IP address`);
      let seq: bigint | undefined;
      if (q.sequenceNumber !== undefined) {
        if (!/^\d+$/.test(String(q.sequenceNumber))) throw invalidRequest(`sequenceNumber ${String(q.sequenceNumber)} is not a decimal number`);
        seq = BigInt(q.sequenceNumber);
      }
      return { ip, handleId: q.handleId, seq };
    });
    const blocks = await listBlocks(this.ctx.store);
    const groups = new Map<string, { cidr: Cidr; reqs: Array<{ ordinal: number; handleId?: string; sequenceNumber?: bigint }> }>();
    const result: ReleaseResult = { released: [], notAllocated: [], mismatched: [] };
    for (const p of parsed) {
      const blk = blocks.find((b) => cidrContains(parseCidr(b.spec.cidr), p.ip));
      if (blk === undefined) {
        result.notAllocated.push(addressText(p.ip));
        continue;
      }
      const cidr = blockCidr(blk.spec);
      const g = groups.get(blk.spec.cidr) ?? { cidr, reqs: [] };
      groups.set(blk.spec.cidr, g);
      g.reqs.push({ ordinal: ordinalOf(cidr, p.ip) ?? 0, ...(p.handleId !== undefined ? { handleId: p.handleId } : {}), ...(p.seq !== undefined ? { sequenceNumber: p.seq } : {}) });
    }
    for (const [cidr, g] of groups) {
      const r = await releaseInBlock(this.ctx, cidr, g.reqs);
      result.released.push(...r.released.map((x) => x.address));
      result.notAllocated.push(...r.notAllocated);
      result.mismatched.push(...r.mismatched);
    }
    return result;
  }

  /**
   * Releases every address of the handle and deletes it. Idempotent. All or none in effect: the handle is deleted only
   * once every block it names holds none of its addresses, so a call that fails part way leaves the handle naming
   * the remaining blocks and a retry finishes the job.
   */
  async releaseByHandle(handleId: string): Promise<string[]> {
    checkName('handleId', handleId);
    const handle = await getOrUndefined<StoredHandle>(this.ctx.store, KIND_HANDLE, handleId);
    let cidrs = handle ? Object.keys(handle.spec.block ?? {}) : [];
    if (handle === undefined) {
      // No handle: either nothing was ever assigned, or a process died between the block write and the handle write.
      // Look through the blocks so such an address is not leaked.
      cidrs = (await listBlocks(this.ctx.store)).filter((b) => ordinalsOfHandle(b.spec, handleId).length > 0).map((b) => b.spec.cidr);
    }
    const released: string[] = [];
    for (const cidr of cidrs) {
      const r = await releaseInBlock(this.ctx, cidr, (spec) => ordinalsOfHandle(spec, handleId).map((o) => ({ ordinal: o, handleId })), { adjustHandles: false });
      released.push(...r.released.map((x) => x.address));
    }
    if (handle !== undefined) await dropHandleBlocks(this.ctx, handleId, cidrs, handle);
    return released;
  }

  /** Bare addresses the handle holds, read from the blocks its IPAMHandle names. */
  async ipsByHandle(handleId: string): Promise<string[]> {
    checkName('handleId', handleId);
    const handle = await getOrUndefined<StoredHandle>(this.ctx.store, KIND_HANDLE, handleId);
    if (handle === undefined) return [];
    const out: string[] = [];
    for (const cidr of Object.keys(handle.spec.block ?? {})) {
      const blk = await getOrUndefined<StoredBlock>(this.ctx.store, KIND_BLOCK, blockNameForCidr(cidr));
      if (blk === undefined) continue;
      const c = blockCidr(blk.spec);
      out.push(...ordinalsOfHandle(blk.spec, handleId).map((o) => addressAt(c, o)));
    }
    return out;
  }

  /** Who holds an address; undefined when it is free or in no block. */
  async getAssignmentAttributes(ipText: string): Promise<AssignmentInfo | undefined> {
    const ip = parseAddress(String(ipText));
    if (ip === undefined) throw invalidRequest(`ip ${JSON.stringify(ipText)} is not an IP address`);
    const blk = (await listBlocks(this.ctx.store, ip.family)).find((b) => cidrContains(parseCidr(b.spec.cidr), ip));
    if (blk === undefined) return undefined;
    const owner = ownerOf(blk.spec, ordinalOf(blockCidr(blk.spec), ip) ?? -1);
    if (owner === undefined) return undefined;
    return {
      address: addressText(ip),
      handleId: owner.handleId,
      attrs: owner.attrs,
      sequenceNumber: String(formatSeq(owner.sequenceNumber)),
      block: blk.spec.cidr,
      blockAffinity: blk.spec.affinity,
    };
  }

  /**
   * Gives up every block affinity of the host (node deleted): affinity -> pendingDeletion; an empty block is deleted;
   * a block still holding addresses loses its affinity (its addresses stay valid, other nodes may borrow from it and
   * it is deleted when its last address is released); then the affinity is deleted.
   */
  async releaseHostAffinities(hostname: string): Promise<HostAffinityRelease> {
    const host = checkName('hostname', hostname);
    const out: HostAffinityRelease = { deletedBlocks: [], unaffinedBlocks: [] };
    for (const aff of await listHostAffinities(this.ctx.store, host)) {
      const cidr = aff.spec.cidr;
      await setAffinityState(this.ctx, host, cidr, 'pendingDeletion');
      const outcome = await this.dropBlockAffinity(host, cidr);
      if (outcome === 'deleted') out.deletedBlocks.push(cidr);
      if (outcome === 'unaffined') out.unaffinedBlocks.push(cidr);
      await deleteAffinity(this.ctx, host, cidr);
      this.ctx.log.info('released block affinity', { node: host, block: cidr, outcome });
    }
    return out;
  }

  private async dropBlockAffinity(host: string, cidr: string): Promise<'deleted' | 'unaffined' | 'not-ours'> {
    const name = blockNameForCidr(cidr);
    return ipamCas(this.ctx, `IPAMBlock ${cidr}`, async () => {
      const blk = await getOrUndefined<StoredBlock>(this.ctx.store, KIND_BLOCK, name);
      if (blk === undefined || affinityHost(blk.spec) !== host) return 'not-ours';
      try {
        if (isEmpty(blk.spec)) {
          await this.ctx.store.delete(KIND_BLOCK, name, undefined, { resourceVersion: blk.metadata.resourceVersion });
          return 'deleted';
        }
        const spec = { ...blk.spec };
        delete spec.affinity;
        delete spec.affinityClaimTime;
        await this.ctx.store.update<IPAMBlock>({ ...blk, spec });
        return 'unaffined';
      } catch (err) {
        if (!isConflict(err) && !isNotFound(err)) throw err;
        return retry(err);
      }
    });
  }
}

function addressText(ip: IpAddr): string {
  return hostCidr(ip).split('/')[0] ?? '';
}

