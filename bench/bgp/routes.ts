// The feed of the BGP propagation benchmark: N distinct IPv4 prefixes in a fixed order, written as the body of a
// BIRD 2 static protocol. The order and pools are the reference harness's (its genroutes.py), so both
// harnesses feed the same table: /24s of 10/8, 100.64/10, 172.16/12, then /25s, /26s of the same, then /27s of 10/8.
// The prefixes are only table content; nothing installs them in a kernel and no traffic goes to them.
import fs from 'node:fs';

interface Pool {
  readonly base: number;
  readonly baseLen: number;
  readonly len: number;
}

const BASES: ReadonlyArray<readonly [number, number]> = [
  [(10 << 24) >>> 0, 8],
  [((100 << 24) | (64 << 16)) >>> 0, 10],
  [((172 << 24) | (16 << 16)) >>> 0, 12],
];

const POOLS: readonly Pool[] = [
  ...[24, 25, 26].flatMap((len) => BASES.map(([base, baseLen]) => ({ base, baseLen, len }))),
  { base: (10 << 24) >>> 0, baseLen: 8, len: 27 },
];

export const MAX_ROUTES = POOLS.reduce((sum, p) => sum + 2 ** (p.len - p.baseLen), 0);

function dotted(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** The first n prefixes of the feed, as "a.b.c.d/len". */
export function* feedPrefixes(n: number): Generator<string> {
  if (!Number.isInteger(n) || n < 1 || n > MAX_ROUTES) throw new RangeError(`--n must be 1..${MAX_ROUTES} (got ${n})`);
  let left = n;
  for (const p of POOLS) {
    const step = 2 ** (32 - p.len);
    const take = Math.min(left, 2 ** (p.len - p.baseLen));
    for (let i = 0; i < take; i++) yield `${dotted(p.base + i * step)}/${p.len}`;
    left -= take;
    if (left === 0) return;
  }
}

/** One BIRD static route line; with attrGroups > 1 route i carries community (65001, i mod attrGroups). */
export function birdRouteLine(prefix: string, i: number, attrGroups: number): string {
  return attrGroups > 1 ? `route ${prefix} blackhole { bgp_community.add((65001,${i % attrGroups})); };` : `route ${prefix} blackhole;`;
}

/** Writes the static protocol body for n routes to file, in chunks (1 M routes are ~40 MB). */
export function writeBirdRoutes(file: string, n: number, attrGroups: number): void {
  const fd = fs.openSync(file, 'w');
  try {
    let buf: string[] = [];
    let i = 0;
    for (const p of feedPrefixes(n)) {
      buf.push(birdRouteLine(p, i++, attrGroups));
      if (buf.length === 65536) {
        fs.writeSync(fd, buf.join('\n') + '\n');
        buf = [];
      }
    }
    if (buf.length > 0) fs.writeSync(fd, buf.join('\n') + '\n');
  } finally {
    fs.closeSync(fd);
  }
}
