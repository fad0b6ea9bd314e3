// Update groups: sessions with the same outbound policy share one ExportGroup (the export filters, the attribute
// objects their operations made and the export cache), so that an attribute set is filtered, rewritten and (with the
// codec options shared too) encoded once for all of them. Each session keeps its own Adj-RIB-Out, and split horizon
// (never back to the session a route came from) is decided per session before a group is asked (speaker-routing.ts).
import net from 'node:net';
import type { CodecOptions, Family, PathAttributes } from './packet/types';
import { ExportCache, type ExportTarget } from './rib/export-policy';
import { compileRules, type CompiledFilter } from './rib/filter-bgp';
import type { LocRib } from './rib/loc-rib';
import type { PathSource } from './rib/path';
import type { PeerPolicy } from './rib/peer-policy';
import type { SessionConfig } from './session/peer-config';
import type { LocalRoutes } from './local-routes';

export interface ExportGroup {
  readonly key: string;
  readonly cache: ExportCache;
  readonly exportFilter: Record<Family, CompiledFilter | undefined>;
  readonly filtered: WeakMap<PathAttributes, Map<number, PathAttributes>>;
  members: number;
}

/** Strips "::ffff:" from IPv4-mapped IPv6 addresses as node reports them on dual-stack sockets. */
export function normalizeAddress(addr: string): string {
  return addr.startsWith('::ffff:') && net.isIPv4(addr.slice(7)) ? addr.slice(7) : addr;
}

/** The export target of a session; split horizon is per session, so it names no source. */
export function exportTarget(cfg: SessionConfig, policy: PeerPolicy, localAddress: string): ExportTarget {
  const local = normalizeAddress(localAddress);
  return {
    sourceId: -1,
    kind: cfg.asn === cfg.localAsn ? 'internal' : 'external',
    rrClient: policy.routeReflectorClient ?? false,
    localAsn: cfg.localAsn,
    nextHopMode: policy.nextHopMode ?? 'auto',
    selfAddress: { ipv4: net.isIPv4(local) ? local : undefined, ipv6: net.isIPv6(local) ? local : undefined },
  };
}

export class ExportGroups {
  private readonly groups = new Map<string, ExportGroup>();
  private readonly codecs = new Map<string, CodecOptions>();

  constructor(
    private readonly rib: LocRib,
    private readonly local: LocalRoutes,
    private readonly identity: { readonly routerId: string; readonly clusterId: string },
  ) {}

  /** The group of a session with this target and export policy (created on first use). */
  join(target: ExportTarget, policy: PeerPolicy): ExportGroup {
    const f = policy.filters;
    const key = JSON.stringify([target.kind, target.rrClient, target.localAsn, target.nextHopMode, target.selfAddress.ipv4 ?? '', target.selfAddress.ipv6 ?? '', f?.exportV4 ?? [], f?.exportV6 ?? []]);
    let g = this.groups.get(key);
    if (g === undefined) {
      g = {
        key,
        cache: new ExportCache(target, this.identity),
        exportFilter: { ipv4: compileRules(f?.exportV4), ipv6: compileRules(f?.exportV6) },
        filtered: new WeakMap(),
        members: 0,
      };
      this.groups.set(key, g);
    }
    g.members++;
    return g;
  }

  leave(g: ExportGroup): void {
    g.members--;
    if (g.members <= 0) this.groups.delete(g.key);
  }

  /** Forgets what every group cached for a source whose routes are gone. */
  dropSource(sourceId: number): void {
    for (const g of this.groups.values()) g.cache.dropSource(sourceId);
  }

  /** One options object per distinct negotiated codec (the encoder reuses attribute encodings by object identity). */
  sharedCodec(c: CodecOptions): CodecOptions {
    const key = JSON.stringify([c.fourOctetAs, c.extendedMessage, [...c.addPath].sort(), c.internal]);
    let known = this.codecs.get(key);
    if (known === undefined) this.codecs.set(key, (known = c));
    return known;
  }

  /** What the group sends for entry `id` whose best path has `attrs` from `source`: filtered and rewritten, or undefined. */
  attributesFor(g: ExportGroup, family: Family, id: number, attrs: PathAttributes, source: PathSource): PathAttributes | undefined {
    const filter = g.exportFilter[family];
    if (filter === undefined) return g.cache.attributesFor(family, attrs, source);
    // Calico BGPFilter export rules run on the route before the BGP rewrite (as BIRD's export filter does).
    const prefix = this.rib.prefixOf(family, id);
    const kernel = source.kind === 'local' ? this.local.get(prefix) : undefined;
    const v = filter({ prefix, attrs, source, ...(kernel ? { kernel } : {}) });
    if (!v.accept) return undefined;
    if (v.attrs === attrs) return g.cache.attributesFor(family, attrs, source);
    let byRule = g.filtered.get(attrs);
    if (byRule === undefined) g.filtered.set(attrs, (byRule = new Map()));
    let out = byRule.get(v.rule);
    if (out === undefined) byRule.set(v.rule, (out = v.attrs));
    return g.cache.attributesFor(family, out, source);
  }
}
