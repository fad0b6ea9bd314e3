// PrefixIndex against a Map model: any sequence of inserts and deletes (with growth, id reuse and tombstone
// rebuilds) finds exactly the prefixes the model holds, and ids stay those handed out.
import fc from 'fast-check';
import { PrefixIndex } from './prefix-index';
import { entryPrefix, loadKey, writeEntry, entryWireLength } from './prefix-words';
import { decodePrefixes } from '../packet/prefix';
import type { Prefix } from '../packet/types';

type Op = { del: boolean; addr: number; len: number };

const op = fc.record({ del: fc.boolean(), addr: fc.integer({ min: 0, max: 40 }), len: fc.integer({ min: 0, max: 3 }) });

describe('PrefixIndex', () => {
  it('agrees with a Map under random inserts and deletes', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops: Op[]) => {
        const ix = new PrefixIndex(1, 4);
        const model = new Map<string, number>();
        for (const o of ops) {
          const k = `${o.addr}/${o.len}`;
          ix.key[0] = o.addr * 0x01010101;
          if (o.del) {
            const id = ix.find(o.len);
            expect(id).toBe(model.get(k) ?? -1);
            if (id >= 0) {
              ix.delete(id);
              model.delete(k);
            }
          } else {
            const id = ix.findOrInsert(o.len);
            if (model.has(k)) expect(id).toBe(model.get(k));
            else {
              expect([...model.values()]).not.toContain(id);
              model.set(k, id);
            }
          }
          expect(ix.size).toBe(model.size);
        }
        for (const [k, id] of model) {
          const [addr, len] = k.split('/').map(Number) as [number, number];
          ix.key[0] = addr * 0x01010101;
          expect(ix.find(len)).toBe(id);
          expect(ix.length(id)).toBe(len);
        }
      }),
    );
  });

  it('holds a 100k-prefix table with 4-word (IPv6) keys', () => {
    const ix = new PrefixIndex(4);
    for (let i = 0; i < 100_000; i++) {
      ix.key.set([0x20010db8, i, 0, 0]);
      expect(ix.findOrInsert(64)).toBe(i);
    }
    ix.key.set([0x20010db8, 99_999, 0, 0]);
    expect(ix.find(64)).toBe(99_999);
    expect(ix.find(63)).toBe(-1);
  });
});

describe('prefix words', () => {
  it.each<Prefix>([
    { family: 'ipv4', address: '10.0.0.0', length: 24 },
    { family: 'ipv4', address: '0.0.0.0', length: 0 },
    { family: 'ipv4', address: '255.255.255.255', length: 32 },
    { family: 'ipv4', address: '192.168.128.0', length: 17 },
    { family: 'ipv6', address: '2001:db8::', length: 32 },
    { family: 'ipv6', address: '2001:db8:0:1::', length: 64 },
    { family: 'ipv6', address: 'fd00::1', length: 128 },
    { family: 'ipv6', address: '::', length: 0 },
  ])('%o round-trips through the index and the wire', (p) => {
    const ix = new PrefixIndex(p.family === 'ipv4' ? 1 : 4);
    const len = loadKey(ix, p);
    const id = ix.findOrInsert(len);
    expect(entryPrefix(ix, p.family, id)).toEqual(p);
    const buf = Buffer.alloc(entryWireLength(ix, id, false));
    expect(writeEntry(ix, id, buf, 0, false)).toBe(buf.length);
    expect(decodePrefixes(buf, p.family, false)).toEqual([p]);
  });

  it('clears host bits and refuses lengths beyond the family', () => {
    const ix = new PrefixIndex(1);
    const id = ix.findOrInsert(loadKey(ix, { family: 'ipv4', address: '10.1.2.3', length: 16 }));
    expect(entryPrefix(ix, 'ipv4', id).address).toBe('10.1.0.0');
    expect(loadKey(ix, { family: 'ipv4', address: '10.0.0.0', length: 33 })).toBe(-1);
    expect(loadKey(ix, { family: 'ipv4', address: '10.0.0', length: 8 })).toBe(-1);
  });
});
