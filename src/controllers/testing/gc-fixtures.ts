// Test helpers: IPAM blocks written by hand, as the allocator stores them, for the GC's pure tests.
import type { IPAMBlockSpec } from '../../api/kind-ipam-block';
import type { GcBlock, GcSnapshot, KubeNodeRef, KubePod, PodLookup } from '../ipam-gc';

export interface Held {
  readonly ordinal: number;
  readonly handle?: string;
  readonly attrs: Record<string, string>;
  readonly seq?: number;
}

/** A /29 block (8 addresses) affine to `host`, holding `held`. */
export function block(cidr: string, host: string | undefined, held: readonly Held[], resourceVersion = '1'): GcBlock {
  const allocations: Array<number | null> = new Array<number | null>(8).fill(null);
  const attributes: IPAMBlockSpec['attributes'] = [];
  const perOrdinal: Record<string, number> = {};
  for (const h of held) {
    allocations[h.ordinal] = attributes.length;
    attributes.push({ ...(h.handle !== undefined ? { handle_id: h.handle } : {}), secondary: h.attrs });
    perOrdinal[String(h.ordinal)] = h.seq ?? 1;
  }
  const spec: IPAMBlockSpec = {
    cidr,
    ...(host !== undefined ? { affinity: `host:${host}` } : {}),
    allocations,
    unallocated: allocations.flatMap((a, i) => (a === null ? [i] : [])),
    attributes,
    sequenceNumber: 10,
    sequenceNumberForAllocation: perOrdinal,
  };
  return { name: cidr.replace(/[.:/]/g, '-'), resourceVersion, spec };
}

export const podAttrs = (ns: string, pod: string, node: string): Record<string, string> => ({ namespace: ns, pod, node });

/** A snapshot over plain maps: Kubernetes nodes by name, pods by `ns/name` (absent: NotFound; 'unknown': lookup failed). */
export function snapshot(
  blocks: readonly GcBlock[],
  kube: { nodes: readonly string[]; pods: Readonly<Record<string, KubePod | 'unknown'>>; notKubernetes?: readonly string[] },
): GcSnapshot {
  const nodes = new Set(kube.nodes);
  return {
    blocks,
    pools: [{ name: 'default-ipv4-ippool', cidr: '10.0.0.0/16' }],
    kubeNodeOf: (n): KubeNodeRef => (kube.notKubernetes?.includes(n) ? { kind: 'not-kubernetes' } : { kind: 'kubernetes', name: n }),
    kubeNodeExists: (n) => nodes.has(n),
    lookupPod: (ns, name): PodLookup => kube.pods[`${ns}/${name}`] ?? 'not-found',
  };
}
