// Block maths, table-driven: geometry, FIFO reuse, sequence numbers, guards, attributes, and the block generator.
import { parseCidr, parseIp, formatCidr } from '../lib/ip';
import { assignFromBlock, assignOrdinal, type AllocationOwner } from './block-assign';
import { blockAt, blockCandidates, blocksInPool, fnv32a } from './block-generator';
import { addressAt, formatSeq, newBlockSpec, ordinalOf, parseAddress, parseSeq } from './block-ordinals';
import { allocatedOrdinals, countsByHandle, inUseCount, isEmpty, ordinalsOfHandle, ownerOf } from './block-query';
import { releaseHandle, releaseOrdinals } from './block-release';

const A: AllocationOwner = { handleId: 'h-a', attrs: { pod: 'a', namespace: 'ns' } };
const B: AllocationOwner = { handleId: 'h-b', attrs: { pod: 'b', namespace: 'ns' } };

function block(cidr = '10.0.0.0/30', seq = 100n) {
  return newBlockSpec(parseCidr(cidr), 'host:n1', seq);
}

describe('geometry', () => {
  const cases: Array<{ name: string; block: string; ip: string; want: number | undefined }> = [
    { name: 'first', block: '10.0.0.64/26', ip: '10.0.0.64', want: 0 },
    { name: 'last', block: '10.0.0.64/26', ip: '10.0.0.127', want: 63 },
    { name: 'below', block: '10.0.0.64/26', ip: '10.0.0.63', want: undefined },
    { name: 'above', block: '10.0.0.64/26', ip: '10.0.0.128', want: undefined },
    { name: 'ipv6', block: 'fd00::40/122', ip: 'fd00::7f', want: 63 },
    { name: 'other family', block: '10.0.0.0/26', ip: '::1', want: undefined },
  ];
  test.each(cases)('ordinalOf $name', ({ block: b, ip, want }) => {
    expect(ordinalOf(parseCidr(b), parseIp(ip))).toBe(want);
    if (want !== undefined) expect(addressAt(parseCidr(b), want)).toBe(ip);
  });

  test.each([
    { text: '10.1.2.3', want: '10.1.2.3' },
    { text: '10.1.2.3/32', want: '10.1.2.3' },
    { text: '10.1.2.3/24', want: undefined },
    { text: 'fd00::1/128', want: 'fd00::1' },
    { text: 'nonsense', want: undefined },
  ])('parseAddress $text', ({ text, want }) => {
    const ip = parseAddress(text);
    expect(ip === undefined ? undefined : addressAt({ family: ip.family, addr: ip.value, prefixLen: ip.family === 4 ? 32 : 128 }, 0)).toBe(want);
  });

  test('a new block is empty, every ordinal free in ascending order, masked CIDR', () => {
    const s = newBlockSpec(parseCidr('10.0.0.5/30'), undefined, 7n);
    expect(s.cidr).toBe('10.0.0.4/30');
    expect(s.allocations).toEqual([null, null, null, null]);
    expect(s.unallocated).toEqual([0, 1, 2, 3]);
    expect(s.affinity).toBeUndefined();
    expect(isEmpty(s)).toBe(true);
  });

  test.each([
    { v: undefined, want: 0n },
    { v: 42, want: 42n },
    { v: '1796150703809000001', want: 1796150703809000001n },
    { v: 'x', want: 0n },
  ])('parseSeq $v', ({ v, want }) => expect(parseSeq(v)).toBe(want));

  test('formatSeq keeps uint64 precision as a string and small values as numbers', () => {
    expect(formatSeq(5n)).toBe(5);
    expect(formatSeq(18446744073709551615n)).toBe('18446744073709551615');
  });
});

describe('assign and release', () => {
  test('FIFO: released ordinals go to the tail and are reused last', () => {
    let s = block();
    const a1 = assignFromBlock(s, 2, A);
    expect(a1.ordinals).toEqual([0, 1]);
    s = a1.spec;
    s = releaseOrdinals(s, [{ ordinal: 0 }]).spec;
    expect(s.unallocated).toEqual([2, 3, 0]);
    const a2 = assignFromBlock(s, 3, B);
    expect(a2.ordinals).toEqual([2, 3, 0]);
    expect(a2.spec.unallocated).toEqual([]);
    expect(assignFromBlock(a2.spec, 1, A).ordinals).toEqual([]);
  });

  test('the pure operations never mutate their input', () => {
    const s = block();
    const before = JSON.stringify(s);
    const a = assignFromBlock(s, 2, A);
    releaseOrdinals(a.spec, [{ ordinal: 0 }]);
    releaseHandle(a.spec, 'h-a');
    assignOrdinal(s, 3, B);
    expect(JSON.stringify(s)).toBe(before);
    expect(inUseCount(a.spec)).toBe(2);
  });

  test('partial: fewer than asked when the block runs out', () => {
    const a = assignFromBlock(block(), 10, A);
    expect(a.ordinals).toEqual([0, 1, 2, 3]);
  });

  test('skip leaves reserved ordinals free and in place', () => {
    const a = assignFromBlock(block(), 2, A, (o) => o === 0);
    expect(a.ordinals).toEqual([1, 2]);
    expect(a.spec.unallocated).toEqual([0, 3]);
  });

  test('every write bumps the block sequence number; each assignment stamps its ordinals', () => {
    const a = assignFromBlock(block('10.0.0.0/30', 100n), 1, A);
    expect(a.sequenceNumber).toBe(101n);
    const b = assignFromBlock(a.spec, 1, B);
    expect(b.sequenceNumber).toBe(102n);
    expect(ownerOf(b.spec, 0)?.sequenceNumber).toBe(101n);
    expect(ownerOf(b.spec, 1)?.sequenceNumber).toBe(102n);
    const r = releaseOrdinals(b.spec, [{ ordinal: 0 }]);
    expect(parseSeq(r.spec.sequenceNumber)).toBe(103n);
    expect(r.spec.sequenceNumberForAllocation?.['0']).toBeUndefined();
  });

  const guardCases: Array<{ name: string; req: { ordinal: number; handleId?: string; sequenceNumber?: bigint }; want: 'released' | 'mismatched' | 'notAllocated' }> = [
    { name: 'no guard', req: { ordinal: 0 }, want: 'released' },
    { name: 'right handle', req: { ordinal: 0, handleId: 'h-a' }, want: 'released' },
    { name: 'wrong handle', req: { ordinal: 0, handleId: 'h-b' }, want: 'mismatched' },
    { name: 'right sequence', req: { ordinal: 0, sequenceNumber: 101n }, want: 'released' },
    { name: 'stale sequence (ABA)', req: { ordinal: 0, sequenceNumber: 99n }, want: 'mismatched' },
    { name: 'free ordinal', req: { ordinal: 2 }, want: 'notAllocated' },
    { name: 'out of range', req: { ordinal: 9 }, want: 'notAllocated' },
  ];
  test.each(guardCases)('release guard: $name', ({ req, want }) => {
    const a = assignFromBlock(block('10.0.0.0/30', 100n), 1, A);
    const r = releaseOrdinals(a.spec, [req]);
    const got = r.released.length ? 'released' : r.mismatched.length ? 'mismatched' : 'notAllocated';
    expect(got).toBe(want);
    if (want !== 'released') expect(r.spec).toBe(a.spec);
  });

  test('a reassigned ordinal is not freed by the old assignment\'s sequence number', () => {
    const a = assignFromBlock(block('10.0.0.0/31', 100n), 2, A);
    const old = ownerOf(a.spec, 0)?.sequenceNumber ?? -1n;
    let s = releaseOrdinals(a.spec, [{ ordinal: 0 }]).spec;
    s = releaseOrdinals(s, [{ ordinal: 1 }]).spec;
    s = assignFromBlock(s, 2, B).spec; // 0 and 1 again, new sequence
    const r = releaseOrdinals(s, [{ ordinal: 0, sequenceNumber: old }]);
    expect(r.mismatched).toEqual([0]);
    expect(ownerOf(r.spec, 0)?.handleId).toBe('h-b');
  });

  test('attributes are shared by equal owners and dropped when unused, indices renumbered', () => {
    let s = assignFromBlock(block(), 2, A).spec;
    s = assignFromBlock(s, 1, B).spec;
    expect(s.attributes).toHaveLength(2);
    expect(s.allocations).toEqual([0, 0, 1, null]);
    s = releaseHandle(s, 'h-a').spec;
    expect(s.attributes).toEqual([{ handle_id: 'h-b', secondary: B.attrs }]);
    expect(s.allocations).toEqual([null, null, 0, null]);
    expect(ownerOf(s, 2)?.handleId).toBe('h-b');
  });

  test('assignOrdinal takes exactly one named ordinal, or names its holder', () => {
    const r = assignOrdinal(block(), 2, A);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.assignment.spec.unallocated).toEqual([0, 1, 3]);
    const again = assignOrdinal(r.assignment.spec, 2, B);
    expect(again.ok).toBe(false);
    if (!again.ok) expect(again.holder.handleId).toBe('h-a');
    expect(() => assignOrdinal(block(), 4, A)).toThrow(RangeError);
  });

  test('queries: counts by handle, ordinals of a handle, allocated list', () => {
    let s = assignFromBlock(block(), 3, A).spec;
    s = releaseOrdinals(s, [{ ordinal: 1 }]).spec;
    s = assignFromBlock(s, 1, B).spec;
    expect([...countsByHandle(s)]).toEqual([['h-a', 2], ['h-b', 1]]);
    expect(ordinalsOfHandle(s, 'h-a')).toEqual([0, 2]);
    expect(allocatedOrdinals(s).map((o) => o.ordinal)).toEqual([0, 2, 3]);
    expect(releaseHandle(s, 'h-a').released.map((x) => x.ordinal)).toEqual([0, 2]);
  });
});

describe('block generator', () => {
  test.each([
    { text: '', want: 0x811c9dc5 },
    { text: 'a', want: 0xe40c292c },
    { text: 'foobar', want: 0xbf9cf968 },
  ])('fnv32a($text)', ({ text, want }) => expect(fnv32a(text)).toBe(want));

  test('visits every block of the pool exactly once, on the pool grid', () => {
    const pool = parseCidr('10.244.0.0/22');
    const got = [...blockCandidates(pool, 26, 'node-1')].map(formatCidr);
    expect(got).toHaveLength(16);
    expect(new Set(got).size).toBe(16);
    for (const c of got) expect(Number(c.split('.')[3]?.split('/')[0]) % 64).toBe(0);
    // Ascending from the start, wrapping.
    const idx = got.map((c) => {
      const p = parseCidr(c);
      return Number((p.addr - pool.addr) / 64n);
    });
    for (let i = 1; i < idx.length; i++) expect(idx[i]).toBe(((idx[i - 1] ?? 0) + 1) % 16);
  });

  test('is deterministic per host and spreads hosts', () => {
    const pool = parseCidr('10.244.0.0/16');
    const first = (h: string) => formatCidr(blockCandidates(pool, 26, h).next().value as never);
    expect(first('n1')).toBe(first('n1'));
    const starts = new Set(Array.from({ length: 20 }, (_, i) => first(`node-${i}`)));
    expect(starts.size).toBeGreaterThan(15);
  });

  test('IPv6 pools with more than 2^32 blocks', () => {
    const pool = parseCidr('fd00::/48');
    expect(blocksInPool(pool, 122)).toBe(1n << 74n);
    const c = blockCandidates(pool, 122, 'n1').next().value;
    expect(c?.prefixLen).toBe(122);
    expect(formatCidr(blockAt(pool, 122, 1n))).toBe('fd00::40/122');
  });

  test('rejects a block size that does not fit the pool', () => {
    expect(() => blocksInPool(parseCidr('10.0.0.0/24'), 20)).toThrow(RangeError);
  });
});
