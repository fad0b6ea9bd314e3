// Which best paths go to which peer, and with which attributes (RFC 4271 §5.1, §9.2; RFC 4456 §6, §8, §10). Pure:
// given a path, its source and the receiving session, returns the attributes to advertise or undefined (not
// advertised). The per-session cache (ExportCache) keeps one output object per (source, attribute set), so prefixes
// that share attributes still share them after the rewrite and go out in the same UPDATEs.
import type { AsPathSegment, Family, PathAttributes } from '../packet/types';
import type { Path, PathSource } from './path';

export type NextHopMode = 'auto' | 'self' | 'keep';

export interface ExportTarget {
  /** The session's PathSource id: its own routes never go back to it. */
  readonly sourceId: number;
  readonly kind: 'internal' | 'external';
  readonly rrClient: boolean;
  /** The AS we present on this session (per-peer local AS or the speaker's). */
  readonly localAsn: number;
  /**
   * auto: next hop self towards eBGP peers (except our own routes configured with a next hop) and for our own
   * routes without one, kept otherwise (reflected routes keep theirs, RFC 4456 §10); self: always our address, reflected routes included (FRR `next-hop-self
   * force`); keep: never rewritten, even towards eBGP peers (BIRD `next hop keep`).
   */
  readonly nextHopMode: NextHopMode;
  /** Our address on the session for each family, if we have one. */
  readonly selfAddress: Readonly<Record<Family, string | undefined>>;
}

export interface SpeakerIdentity {
  readonly routerId: string;
  readonly clusterId: string;
}

const NO_EXPORT = 0xffffff01;
const NO_ADVERTISE = 0xffffff02;
const NO_EXPORT_SUBCONFED = 0xffffff03;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** RFC 4271 §5.1.2 (b): prepend our AS to a path sent to an external peer; confederation segments are removed (RFC 5065 §4.1 c). */
export function prependAs(path: readonly AsPathSegment[] | undefined, asn: number): AsPathSegment[] {
  const segs = (path ?? []).filter((s) => s.type === 'sequence' || s.type === 'set');
  const first = segs[0];
  if (first !== undefined && first.type === 'sequence' && first.asns.length < 255) {
    return [{ type: 'sequence', asns: [asn, ...first.asns] }, ...segs.slice(1)];
  }
  return [{ type: 'sequence', asns: [asn] }, ...segs];
}

/** What the export rules look at: a Path, or the RIB's columns for one (only the prefix's family is read). */
export type ExportInput = Pick<Path, 'attrs' | 'source'> & { readonly prefix: { readonly family: Family } };

/** The attributes to send for `path` on `target`, or undefined when it is not advertised there. */
export function exportAttributes(path: ExportInput, target: ExportTarget, me: SpeakerIdentity): PathAttributes | undefined {
  const src: PathSource = path.source;
  const a = path.attrs;
  const family = path.prefix.family;
  // Never back to the session it came from (BIRD "reject our routes"; the receiver would drop it by AS loop or
  // ORIGINATOR_ID anyway).
  if (src.id === target.sourceId) return undefined;
  const comms = a.communities;
  if (comms !== undefined) {
    // RFC 1997 well-known communities.
    if (comms.includes(NO_ADVERTISE)) return undefined;
    if (target.kind === 'external' && (comms.includes(NO_EXPORT) || comms.includes(NO_EXPORT_SUBCONFED))) return undefined;
  }
  const out: Mutable<PathAttributes> = { ...a };
  delete out.mpReach;
  delete out.mpUnreach;
  if (a.unknown !== undefined) {
    // RFC 4271 §5: unrecognised non-transitive attributes are not passed on.
    const keep = a.unknown.filter((u) => (u.flags & 0xc0) === 0xc0);
    if (keep.length > 0) out.unknown = keep;
    else delete out.unknown;
  }
  let nextHop = a.nextHop;
  const self = target.selfAddress[family];
  if (target.kind === 'internal') {
    if (src.kind === 'internal') {
      // RFC 4456 §6: a route from a non-client goes to clients only; one from a client to everyone. Without
      // reflection this is the iBGP split horizon of RFC 4271 §9.2.
      if (!src.rrClient && !target.rrClient) return undefined;
      // RFC 4456 §8: ORIGINATOR_ID set to the originator's BGP Identifier only if absent; our CLUSTER_ID prepended.
      out.originatorId = a.originatorId ?? src.routerId;
      out.clusterList = [me.clusterId, ...(a.clusterList ?? [])];
    }
    // RFC 4271 §5.1.5: LOCAL_PREF goes to every internal peer; routes without one get the default degree of preference.
    out.localPref = a.localPref ?? 100;
    if (target.nextHopMode === 'self' || nextHop === undefined) nextHop = self;
  } else {
    // RFC 4456 §8: ORIGINATOR_ID and CLUSTER_LIST never leave the AS. RFC 4271 §5.1.5: no LOCAL_PREF to external peers.
    delete out.originatorId;
    delete out.clusterList;
    delete out.localPref;
    // RFC 4271 §5.1.4: a MED received from a neighbouring AS MUST NOT be propagated to other neighbouring ASes; one
    // set inside our AS (the path is still empty) may be.
    if ((a.asPath?.length ?? 0) > 0 && src.kind !== 'local') delete out.med;
    out.asPath = prependAs(a.asPath, target.localAsn);
    // RFC 4271 §5.1.3: our own address towards an external peer, except for a route we originate with an explicit
    // next hop (the operator's third-party next hop) or in `keep` mode.
    const keep = target.nextHopMode === 'keep' || (target.nextHopMode === 'auto' && src.kind === 'local');
    if (!keep || nextHop === undefined) nextHop = self;
  }
  if (nextHop === undefined) return undefined; // no address of this family on the session: cannot advertise
  if (family === 'ipv4') out.nextHop = nextHop;
  else {
    delete out.nextHop;
    out.mpReach = { afi: 2, safi: 1, nextHop, nlri: [] };
  }
  return out;
}

const FAMILY_ONLY: Record<Family, { readonly family: Family }> = { ipv4: { family: 'ipv4' }, ipv6: { family: 'ipv6' } };

/** Per-session memo of exportAttributes by (family, source, interned attributes); the output objects are shared. */
export class ExportCache {
  private readonly bySource: Record<Family, Map<number, WeakMap<PathAttributes, PathAttributes | null>>> = { ipv4: new Map(), ipv6: new Map() };

  constructor(
    readonly target: ExportTarget,
    private readonly me: SpeakerIdentity,
  ) {}

  /** The output for a best path of `source` with `attrs` (interned), computed once per (family, source, attrs). */
  attributesFor(family: Family, attrs: PathAttributes, source: PathSource): PathAttributes | undefined {
    let m = this.bySource[family].get(source.id);
    if (m === undefined) this.bySource[family].set(source.id, (m = new WeakMap()));
    const hit = m.get(attrs);
    if (hit !== undefined) return hit ?? undefined;
    const out = exportAttributes({ prefix: FAMILY_ONLY[family], attrs, source }, this.target, this.me);
    m.set(attrs, out ?? null);
    return out;
  }

  /** Forgets a source that is gone. */
  dropSource(id: number): void {
    this.bySource.ipv4.delete(id);
    this.bySource.ipv6.delete(id);
  }
}
