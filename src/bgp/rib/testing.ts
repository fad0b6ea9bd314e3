// Test helpers for the RIB: sources and paths built from short descriptions.
import type { AsPathSegment, PathAttributes, Prefix } from '../packet/types';
import { makeSource, type Path, type PathSource, type SourceKind } from './path';

let nextId = 100;

export function source(kind: SourceKind, address: string, extra: Partial<Omit<PathSource, 'routerIdValue' | 'addressOrder'>> = {}): PathSource {
  return makeSource({
    id: nextId++,
    name: address || 'local',
    kind,
    address,
    routerId: extra.routerId ?? (address.includes('.') ? address : '192.0.2.254'),
    asn: kind === 'internal' || kind === 'local' ? 65000 : 65100,
    rrClient: false,
    ...extra,
  });
}

export const seq = (...asns: number[]): AsPathSegment => ({ type: 'sequence', asns });

export function path(src: PathSource, attrs: PathAttributes, prefix: Prefix = { family: 'ipv4', address: '10.0.0.0', length: 24 }): Path {
  return { prefix, attrs: { origin: 0, asPath: [], nextHop: '192.0.2.1', ...attrs }, source: src, receivedAt: 0, stale: false };
}
