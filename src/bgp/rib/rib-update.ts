// One received UPDATE into the Loc-RIB, as a batch: withdrawals, then the announcements (classic NLRI and MP_REACH)
// with one interned attribute set per family, after the import checks. Collects the prefixes whose best path changed
// into a ChangeSet that the caller hands to every Adj-RIB-Out once per UPDATE (not once per prefix).
import type { Family, PathAttributes, Prefix, UpdateMessage } from '../packet/types';
import { importCheck, routeAttributes, type ImportContext, type ImportRejection } from './import-checks';
import { ABSENT, type LocRib } from './loc-rib';
import type { PathSource } from './path';

/** Loc-RIB entry ids whose best path changed, per family. */
export interface ChangeSet {
  readonly ipv4: Set<number>;
  readonly ipv6: Set<number>;
}

export function emptyChanges(): ChangeSet {
  return { ipv4: new Set(), ipv6: new Set() };
}

export function changeCount(c: ChangeSet): number {
  return c.ipv4.size + c.ipv6.size;
}

export interface AppliedUpdate {
  readonly announced: number;
  readonly withdrawn: number;
  readonly rejected?: ImportRejection;
}

/** A hook that may rewrite or refuse (undefined) a route on import: the place import filters plug in. */
export type ImportPolicy = (prefix: Prefix, attrs: PathAttributes, source: PathSource) => PathAttributes | undefined;

export interface ApplyOptions {
  readonly ctx: ImportContext;
  readonly now: number;
  /** RFC 7606 treat-as-withdraw: every prefix the UPDATE names is withdrawn. */
  readonly treatAsWithdraw?: boolean;
  readonly policy?: ImportPolicy;
}

export function applyUpdate(rib: LocRib, source: PathSource, msg: UpdateMessage, o: ApplyOptions, changes: ChangeSet): AppliedUpdate {
  let withdrawn = 0;
  let announced = 0;
  const withdraw = (p: Prefix): void => {
    const r = rib.remove(p, source);
    if (r === ABSENT) return;
    withdrawn++;
    if (r >= 0) changes[p.family].add(r);
  };
  const a = msg.attributes;
  for (const p of msg.withdrawn) withdraw(p);
  for (const p of a.mpUnreach?.withdrawn ?? []) withdraw(p);
  const v6 = a.mpReach?.nlri ?? [];
  if (msg.nlri.length === 0 && v6.length === 0) return { announced, withdrawn };
  const rejected = o.treatAsWithdraw === true ? undefined : importCheck(a, source, o.ctx);
  if (o.treatAsWithdraw === true || rejected !== undefined) {
    for (const p of msg.nlri) withdraw(p);
    for (const p of v6) withdraw(p);
    return { announced, withdrawn, rejected };
  }
  const announce = (list: readonly Prefix[], family: Family): void => {
    if (list.length === 0) return;
    const attrs = rib.interner.intern(routeAttributes(a, family));
    for (const p of list) {
      if (p.family !== family) continue;
      let use = attrs;
      if (o.policy !== undefined) {
        const r = o.policy(p, attrs, source);
        if (r === undefined) {
          withdraw(p);
          continue;
        }
        use = r === attrs ? attrs : rib.interner.intern(r);
      }
      announced++;
      const r = rib.set(p, source, use, o.now);
      if (r >= 0) changes[family].add(r);
    }
    rib.interner.dropIfUnused(attrs);
  };
  announce(msg.nlri, 'ipv4');
  announce(v6, 'ipv6');
  return { announced, withdrawn };
}
