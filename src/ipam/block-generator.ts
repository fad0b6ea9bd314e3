// The order in which a host tries a pool's blocks when it claims a new one (libcalico-go randomBlockGenerator): a
// start chosen by a PRNG seeded with FNV-1a-32 of the host name, then every block once in ascending order, wrapping.
// Seeding by host spreads hosts over the pool, so concurrent claimants rarely race for the same block, and a host
// that restarts walks the same order. Every candidate is on the pool's block grid (pool address + k * blockSize), so
// two candidates of one pool never partially overlap. Pure.
import { cidrFirst, familyBits, type Cidr } from '../lib/ip';

/** FNV-1a, 32 bits, over the UTF-8 bytes of text. */
export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(text, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** mulberry32: a small, well-distributed 32-bit PRNG; enough to pick a start, not for secrets. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Number of blocks of `blockSize` in `pool`. */
export function blocksInPool(pool: Cidr, blockSize: number): bigint {
  if (blockSize < pool.prefixLen || blockSize > familyBits(pool.family)) {
    throw new RangeError(`block size /${blockSize} does not fit pool /${pool.prefixLen}`);
  }
  return 1n << BigInt(blockSize - pool.prefixLen);
}

/** The k-th block of the pool. */
export function blockAt(pool: Cidr, blockSize: number, k: bigint): Cidr {
  const step = 1n << BigInt(familyBits(pool.family) - blockSize);
  return { family: pool.family, addr: cidrFirst(pool).value + k * step, prefixLen: blockSize };
}

/** Start index for `seed` in a pool of `count` blocks. */
export function startIndex(seed: string, count: bigint): bigint {
  const next = mulberry32(fnv32a(seed));
  // 64 random bits, so pools with more than 2^32 blocks (IPv6) are covered too; the modulo bias is negligible.
  const r = (BigInt(next()) << 32n) | BigInt(next());
  return r % count;
}

/** Every block of the pool once, starting at the seed's index. */
export function* blockCandidates(pool: Cidr, blockSize: number, seed: string): Generator<Cidr> {
  const count = blocksInPool(pool, blockSize);
  const start = startIndex(seed, count);
  for (let i = 0n; i < count; i++) yield blockAt(pool, blockSize, (start + i) % count);
}
