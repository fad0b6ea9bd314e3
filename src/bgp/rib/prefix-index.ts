// The prefix index of one address family: every prefix the RIB holds gets a small integer id (an "entry"), and its
// address and length live in typed arrays, not in objects. An open-addressing hash table (linear probing, tombstones,
// rebuilt when they pile up) finds an entry from <address words, length>. Ids are dense and reused after delete, so
// the RIB's per-entry columns (best path, Adj-RIB-Out state) are plain typed arrays indexed by id.
//
// A million IPv4 routes cost about 20 octets here (4 address + 1 length + 2 table slots of 4 at load <= 1/2), where a
// Map from a number key to a Prefix object costs some 120: this is what lets a full table fit in the memory budget of
// issue 6 (at most 3x BIRD 2). Addresses are 32-bit words, most significant first: 1 word for IPv4, 4 for IPv6.

import { grownInt32, grownUint8 } from '../../lib/typed-arrays';

const FREE = 255;
const EMPTY = 0;
const DELETED = -1;
const MIN_TABLE = 16;

function hashWords(words: Int32Array, off: number, width: number, len: number): number {
  let h = Math.imul(len + 1, 0x9e3779b1);
  for (let k = 0; k < width; k++) {
    h = Math.imul(h ^ (words[off + k] as number), 0x85ebca6b);
    h ^= h >>> 13;
  }
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class PrefixIndex {
  /** Address words of every entry: `width` per id. */
  private words: Int32Array;
  /** Prefix length per id; FREE for an unused id. */
  private lens: Uint8Array;
  /** Hash slots: entry id + 1, EMPTY, or DELETED. */
  private table: Int32Array;
  private mask: number;
  private tombstones = 0;
  private liveCount = 0;
  /** Ids below this were handed out at some point. */
  private top = 0;
  private free: number[] = [];
  /** Scratch key callers fill before find/insert (see setKey*). */
  readonly key: Int32Array;

  constructor(readonly width: number, initialCapacity = 64) {
    this.words = new Int32Array(width * initialCapacity);
    this.lens = new Uint8Array(initialCapacity).fill(FREE);
    this.table = new Int32Array(MIN_TABLE);
    this.mask = MIN_TABLE - 1;
    this.key = new Int32Array(width);
  }

  /** Number of entries. */
  get size(): number {
    return this.liveCount;
  }

  /** Ids are below this (for sizing per-entry columns and for scans). */
  get capacity(): number {
    return this.lens.length;
  }

  /** Upper bound of ids ever handed out (scans go 0..limit-1 and skip unused ids). */
  get limit(): number {
    return this.top;
  }

  has(id: number): boolean {
    return id >= 0 && id < this.top && this.lens[id] !== FREE;
  }

  length(id: number): number {
    return this.lens[id] as number;
  }

  word(id: number, k: number): number {
    return this.words[id * this.width + k] as number;
  }

  /** The id of the prefix in `key` with length `len`, or -1. */
  find(len: number): number {
    const w = this.width;
    let i = hashWords(this.key, 0, w, len) & this.mask;
    for (;;) {
      const slot = this.table[i] as number;
      if (slot === EMPTY) return -1;
      if (slot !== DELETED) {
        const id = slot - 1;
        if (this.lens[id] === len && this.sameKey(id)) return id;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** The id of the prefix in `key`, added if absent. */
  findOrInsert(len: number): number {
    const found = this.find(len);
    if (found >= 0) return found;
    const id = this.allocate();
    const w = this.width;
    this.words.set(this.key, id * w);
    this.lens[id] = len;
    this.liveCount++;
    if ((this.liveCount + this.tombstones) * 2 > this.table.length) this.rebuild();
    else this.place(id);
    return id;
  }

  /** Forgets an entry; its id may be handed out again. */
  delete(id: number): void {
    if (!this.has(id)) return;
    const w = this.width;
    const len = this.lens[id] as number;
    let i = hashWords(this.words, id * w, w, len) & this.mask;
    for (;;) {
      const slot = this.table[i] as number;
      if (slot === EMPTY) break; // not reachable if the table is consistent
      if (slot === id + 1) {
        this.table[i] = DELETED;
        this.tombstones++;
        break;
      }
      i = (i + 1) & this.mask;
    }
    this.lens[id] = FREE;
    this.liveCount--;
    this.free.push(id);
    if (this.tombstones * 4 > this.table.length) this.rebuild();
  }

  /** Forgets everything. */
  clear(): void {
    this.lens.fill(FREE);
    this.table = new Int32Array(MIN_TABLE);
    this.mask = MIN_TABLE - 1;
    this.tombstones = 0;
    this.liveCount = 0;
    this.top = 0;
    this.free = [];
  }

  private sameKey(id: number): boolean {
    const w = this.width;
    const base = id * w;
    for (let k = 0; k < w; k++) if (this.words[base + k] !== this.key[k]) return false;
    return true;
  }

  private allocate(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.top === this.lens.length) {
      const cap = this.lens.length * 2;
      this.words = grownInt32(this.words, cap * this.width);
      this.lens = grownUint8(this.lens, cap, FREE);
    }
    return this.top++;
  }

  private place(id: number): void {
    const w = this.width;
    let i = hashWords(this.words, id * w, w, this.lens[id] as number) & this.mask;
    while (this.table[i] !== EMPTY && this.table[i] !== DELETED) i = (i + 1) & this.mask;
    if (this.table[i] === DELETED) this.tombstones--;
    this.table[i] = id + 1;
  }

  /** A table sized for the live entries at load <= 1/4 .. 1/2, without tombstones. */
  private rebuild(): void {
    let size = MIN_TABLE;
    while (size < this.liveCount * 4) size *= 2;
    this.table = new Int32Array(size);
    this.mask = size - 1;
    this.tombstones = 0;
    for (let id = 0; id < this.top; id++) if (this.lens[id] !== FREE) this.place(id);
  }
}
