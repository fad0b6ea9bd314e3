// Adj-RIB-In (RFC 4271 §3.2): the routes one peer advertised to us and has not withdrawn, per family, after the
// RFC 7606 disposition of each UPDATE was applied. It owns no policy and no best-path logic; the decision process
// (rib issue) reads from here. Attribute objects are shared between all prefixes of one UPDATE, so a table of many
// prefixes with the same attributes costs one attribute object.
import type { Family, PathAttributes, Prefix, UpdateMessage } from '../packet/types';
const prefixKey = (p: Prefix): string => (p.pathId === undefined ? `${p.address}/${p.length}` : `${p.address}/${p.length}#${p.pathId}`);

export interface ReceivedRoute {
  readonly prefix: Prefix;
  readonly attributes: PathAttributes;
  /** Clock time the route was (last) received. */
  readonly receivedAt: number;
}

export interface AppliedUpdate {
  readonly announced: number;
  readonly withdrawn: number;
}

export class AdjRibIn {
  private readonly tables: Record<Family, Map<string, ReceivedRoute>> = { ipv4: new Map(), ipv6: new Map() };

  size(family: Family): number {
    return this.tables[family].size;
  }

  routes(family: Family): IterableIterator<ReceivedRoute> {
    return this.tables[family].values();
  }

  get(prefix: Prefix): ReceivedRoute | undefined {
    return this.tables[prefix.family].get(prefixKey(prefix));
  }

  clear(): void {
    this.tables.ipv4.clear();
    this.tables.ipv6.clear();
  }

  clearFamily(family: Family): void {
    this.tables[family].clear();
  }

  /**
   * Applies one decoded UPDATE. Withdrawals first (RFC 4271 §9: an UPDATE may withdraw and announce the same prefix;
   * the announcement wins), then the classic NLRI and MP_REACH NLRI with the message's attributes (MP_REACH and
   * MP_UNREACH are stripped from the stored attributes: they describe the message, not the route).
   */
  apply(update: UpdateMessage, now: number): AppliedUpdate {
    let withdrawn = 0;
    let announced = 0;
    const attrs = update.attributes;
    for (const p of update.withdrawn) if (this.tables[p.family].delete(prefixKey(p))) withdrawn++;
    for (const p of attrs.mpUnreach?.withdrawn ?? []) if (this.tables[p.family].delete(prefixKey(p))) withdrawn++;
    const hasNlri = update.nlri.length > 0 || (attrs.mpReach?.nlri.length ?? 0) > 0;
    if (!hasNlri) return { announced, withdrawn };
    const { mpReach, mpUnreach: _u, ...routeAttrs } = attrs;
    const v4 = routeAttrs as PathAttributes;
    for (const p of update.nlri) {
      this.tables[p.family].set(prefixKey(p), { prefix: p, attributes: v4, receivedAt: now });
      announced++;
    }
    if (mpReach !== undefined && mpReach.nlri.length > 0) {
      // The MP next hop becomes the route's next hop (RFC 4760 §3); keep the link-local one for display.
      const mpAttrs: PathAttributes = { ...routeAttrs, nextHop: mpReach.nextHop };
      for (const p of mpReach.nlri) {
        this.tables[p.family].set(prefixKey(p), { prefix: p, attributes: mpAttrs, receivedAt: now });
        announced++;
      }
    }
    return { announced, withdrawn };
  }

  /** RFC 7606 treat-as-withdraw: every prefix the UPDATE names is withdrawn, whatever it announced. */
  withdrawAll(update: UpdateMessage): number {
    let n = 0;
    const all = [
      ...update.withdrawn,
      ...update.nlri,
      ...(update.attributes.mpReach?.nlri ?? []),
      ...(update.attributes.mpUnreach?.withdrawn ?? []),
    ];
    for (const p of all) if (this.tables[p.family].delete(prefixKey(p))) n++;
    return n;
  }
}
