// Adj-RIB-Out (RFC 4271 §3.2): what one session has advertised, by prefix, as the attribute object sent. Changes are
// staged (one call per changed prefix, with the attributes wanted or undefined) and turned into UPDATE messages by
// flush(): withdrawals first, then one run of UPDATEs per attribute object, each packed with as many prefixes as fit
// (RFC 4271 §9.2: "a BGP speaker ... SHOULD ... [combine] several routes with the same attributes in one UPDATE").
// Attribute objects are compared by identity: the ExportCache hands out one object per distinct output set.
import { encodeUpdates, endOfRib } from '../packet/update-encode';
import type { CodecOptions, Family, PathAttributes, Prefix } from '../packet/types';
import { keyPrefix, type PrefixKey } from './prefix-key';

export class AdjRibOut {
  private readonly sent: Record<Family, Map<PrefixKey, PathAttributes>> = { ipv4: new Map(), ipv6: new Map() };
  private withdrawn: Prefix[] = [];
  private announce = new Map<PathAttributes, Prefix[]>();
  private eor: Family[] = [];

  size(family: Family): number {
    return this.sent[family].size;
  }

  get(family: Family, key: PrefixKey): PathAttributes | undefined {
    return this.sent[family].get(key);
  }

  keys(family: Family): IterableIterator<PrefixKey> {
    return this.sent[family].keys();
  }

  /** Forgets everything (a new session starts from nothing). */
  reset(): void {
    this.sent.ipv4.clear();
    this.sent.ipv6.clear();
    this.withdrawn = [];
    this.announce = new Map();
    this.eor = [];
  }

  /** The session should carry `attrs` for the prefix (undefined: not at all). Nothing is queued when that is already so. */
  stage(family: Family, key: PrefixKey, prefix: Prefix | undefined, attrs: PathAttributes | undefined): void {
    const table = this.sent[family];
    const had = table.get(key);
    if (had === attrs) return;
    if (attrs === undefined) {
      table.delete(key);
      this.withdrawn.push(prefix ?? keyPrefix(family, key));
      return;
    }
    table.set(key, attrs);
    let list = this.announce.get(attrs);
    if (list === undefined) this.announce.set(attrs, (list = []));
    list.push(prefix ?? keyPrefix(family, key));
  }

  /** Re-queues everything already advertised for a family (ROUTE-REFRESH from the peer, RFC 2918 §4). */
  restage(family: Family): void {
    for (const [key, attrs] of this.sent[family]) {
      let list = this.announce.get(attrs);
      if (list === undefined) this.announce.set(attrs, (list = []));
      list.push(keyPrefix(family, key));
    }
  }

  /** Queues an End-of-RIB marker for the family after the pending routes (RFC 4724 §2). */
  endOfRib(family: Family): void {
    this.eor.push(family);
  }

  get pending(): boolean {
    return this.withdrawn.length > 0 || this.announce.size > 0 || this.eor.length > 0;
  }

  /** The UPDATE messages for everything staged since the last flush. */
  flush(opts: CodecOptions, maxMessageLength: number): Buffer[] {
    const out: Buffer[] = [];
    if (this.withdrawn.length > 0) out.push(...encodeUpdates({ withdrawn: this.withdrawn, nlri: [] }, opts, maxMessageLength));
    for (const [attributes, nlri] of this.announce) out.push(...encodeUpdates({ withdrawn: [], attributes, nlri }, opts, maxMessageLength));
    for (const f of this.eor) out.push(endOfRib(f, opts));
    this.withdrawn = [];
    this.announce = new Map();
    this.eor = [];
    return out;
  }
}
