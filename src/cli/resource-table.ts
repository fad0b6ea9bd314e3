// The `get` tables: per kind, calicoctl's default and `-o wide` headings and what each column shows (calicoctl
// resourcemgr/<kind>.go registerResource: headings, wide headings, go templates). Values print as Go's text/template
// prints them: unset booleans "false", unset pointers "<nil>", floats in %v form. Kinds calicoctl does not list
// (IPAMBlock, BlockAffinity, IPAMHandle) get a small table of their own.
import { parseAsn } from '../api/asn';
import type { Resource } from '../api/resource';
import { plainTable } from './table';

type Obj = Record<string, unknown>;

/** What a column may need beyond the resource: the cluster's AS number, for Nodes without their own. */
export interface TableContext {
  /** BGPConfiguration default's asNumber, 64512 when unset, "unknown" when it cannot be read. */
  globalAsn(): string;
}

type Column = (res: Resource, ctx: TableContext) => string;

export interface KindTable {
  readonly headings: readonly string[];
  readonly wide: readonly string[];
  readonly columns: Readonly<Record<string, Column>>;
}

const spec = (res: Resource): Obj => (typeof res.spec === 'object' && res.spec !== null ? (res.spec as Obj) : {});
const at = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (typeof v === 'object' && v !== null ? (v as Obj)[k] : undefined), o);
/** Go's %v of a float64 (strconv 'g' with the shortest digits; exponent form below 1e-4 and from 1e21). */
export function goFloat(n: number): string {
  if (n === 0 || !Number.isFinite(n)) return String(n);
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp >= -4 && exp < 21) return String(n);
  const [mant, e] = n.toExponential().split('e') as [string, string];
  const sign = e.startsWith('-') ? '-' : '+';
  const digits = e.replace(/^[-+]/, '');
  return `${mant}e${sign}${digits.padStart(2, '0')}`;
}

/** A plain Go field: zero value when unset (false, 0, ""). */
function goValue(v: unknown, zero: string): string {
  if (v === undefined || v === null) return zero;
  if (typeof v === 'number') return goFloat(v);
  return String(v);
}
const str = (v: unknown): string => goValue(v, '');
const bool = (v: unknown): string => goValue(v, 'false');
/** A Go pointer field: "<nil>" when unset. */
const ptr = (v: unknown): string => goValue(v, '<nil>');
const list = (v: unknown): string => (Array.isArray(v) ? v.map((x) => (typeof x === 'object' && x !== null ? `{${Object.values(x as Obj).join(' ')}}` : String(x))).join(',') : '');
const count = (v: unknown): number => (Array.isArray(v) ? v.length : 0);
const asn = (v: unknown): string => {
  const n = parseAsn(v);
  return n === undefined ? str(v) : String(n);
};

const name: Column = (r) => r.metadata.name;
const namespace: Column = (r) => r.metadata.namespace ?? '';

const TABLES: Readonly<Record<string, KindTable>> = {
  BGPConfiguration: {
    headings: ['NAME', 'LOGSEVERITY', 'MESHENABLED', 'ASNUMBER'],
    wide: ['NAME', 'LOGSEVERITY', 'MESHENABLED', 'ASNUMBER'],
    columns: {
      NAME: name,
      LOGSEVERITY: (r) => str(spec(r).logSeverityScreen),
      // Go template `if` on a pointer: set (even to false) prints the value, unset prints "-".
      MESHENABLED: (r) => (spec(r).nodeToNodeMeshEnabled === undefined ? '-' : String(spec(r).nodeToNodeMeshEnabled)),
      ASNUMBER: (r) => (spec(r).asNumber === undefined ? '-' : asn(spec(r).asNumber)),
    },
  },
  BGPFilter: {
    headings: ['NAME', 'NUMEXPORT', 'NUMIMPORT'],
    wide: ['NAME', 'NUMEXPORT', 'NUMIMPORT'],
    columns: {
      NAME: name,
      NUMEXPORT: (r) => String(count(spec(r).exportV4) + count(spec(r).exportV6)),
      NUMIMPORT: (r) => String(count(spec(r).importV4) + count(spec(r).importV6)),
    },
  },
  BGPPeer: {
    headings: ['NAME', 'PEERIP', 'NODE', 'ASN'],
    wide: ['NAME', 'PEERIP', 'NODE', 'ASN'],
    columns: {
      NAME: name,
      PEERIP: (r) => str(spec(r).peerIP),
      NODE: (r) => str(spec(r).node) || str(spec(r).nodeSelector) || '(global)',
      ASN: (r) => (spec(r).asNumber === undefined ? '0' : asn(spec(r).asNumber)),
    },
  },
  BlockAffinity: {
    headings: ['NAME', 'NODE', 'CIDR', 'STATE'],
    wide: ['NAME', 'NODE', 'CIDR', 'STATE', 'TYPE'],
    columns: { NAME: name, NODE: (r) => str(spec(r).node), CIDR: (r) => str(spec(r).cidr), STATE: (r) => str(spec(r).state), TYPE: (r) => str(spec(r).type) },
  },
  CalicoNodeStatus: {
    headings: ['NAME', 'NODE'],
    wide: ['NAME', 'NODE', 'CLASSES'],
    columns: { NAME: name, NODE: (r) => str(spec(r).node), CLASSES: (r) => list(spec(r).classes) },
  },
  ClusterInformation: {
    headings: ['NAME', 'CLUSTERGUID', 'CLUSTERTYPE', 'CALICOVERSION', 'DATASTOREREADY'],
    wide: ['NAME', 'CLUSTERGUID', 'CLUSTERTYPE', 'CALICOVERSION', 'DATASTOREREADY'],
    columns: {
      NAME: name,
      CLUSTERGUID: (r) => str(spec(r).clusterGUID),
      CLUSTERTYPE: (r) => str(spec(r).clusterType),
      CALICOVERSION: (r) => str(spec(r).calicoVersion),
      DATASTOREREADY: (r) => ptr(spec(r).datastoreReady),
    },
  },
  FelixConfiguration: { headings: ['NAME'], wide: ['NAME'], columns: { NAME: name } },
  GlobalNetworkPolicy: {
    headings: ['NAME'],
    wide: ['NAME', 'ORDER', 'SELECTOR'],
    columns: { NAME: name, ORDER: (r) => ptr(spec(r).order), SELECTOR: (r) => str(spec(r).selector) },
  },
  IPAMBlock: {
    headings: ['NAME', 'CIDR', 'AFFINITY'],
    wide: ['NAME', 'CIDR', 'AFFINITY', 'ALLOCATED'],
    columns: {
      NAME: name,
      CIDR: (r) => str(spec(r).cidr),
      AFFINITY: (r) => str(spec(r).affinity),
      ALLOCATED: (r) => String((Array.isArray(spec(r).allocations) ? (spec(r).allocations as unknown[]) : []).filter((a) => a !== null).length),
    },
  },
  IPAMConfiguration: {
    headings: ['NAME', 'STRICTAFFINITY', 'AUTOALLOCATEBLOCKS'],
    wide: ['NAME', 'STRICTAFFINITY', 'AUTOALLOCATEBLOCKS', 'MAXBLOCKSPERHOST'],
    columns: {
      NAME: name,
      STRICTAFFINITY: (r) => bool(spec(r).strictAffinity),
      AUTOALLOCATEBLOCKS: (r) => bool(spec(r).autoAllocateBlocks),
      MAXBLOCKSPERHOST: (r) => goValue(spec(r).maxBlocksPerHost, '0'),
    },
  },
  IPAMHandle: {
    headings: ['NAME', 'HANDLEID'],
    wide: ['NAME', 'HANDLEID', 'BLOCKS'],
    columns: { NAME: name, HANDLEID: (r) => str(spec(r).handleID), BLOCKS: (r) => Object.keys((spec(r).block as Obj | undefined) ?? {}).join(',') },
  },
  IPPool: {
    headings: ['NAME', 'CIDR', 'SELECTOR'],
    wide: ['NAME', 'CIDR', 'NAT', 'IPIPMODE', 'VXLANMODE', 'DISABLED', 'DISABLEBGPEXPORT', 'SELECTOR'],
    columns: {
      NAME: name,
      CIDR: (r) => str(spec(r).cidr),
      NAT: (r) => bool(spec(r).natOutgoing),
      IPIPMODE: (r) => str(spec(r).ipipMode) || 'Never',
      VXLANMODE: (r) => str(spec(r).vxlanMode) || 'Never',
      DISABLED: (r) => bool(spec(r).disabled),
      DISABLEBGPEXPORT: (r) => bool(spec(r).disableBGPExport),
      SELECTOR: (r) => str(spec(r).nodeSelector),
    },
  },
  NetworkPolicy: {
    headings: ['NAME', 'TIER'],
    wide: ['NAME', 'TIER', 'ORDER', 'SELECTOR'],
    columns: { NAME: name, NAMESPACE: namespace, TIER: (r) => str(spec(r).tier), ORDER: (r) => ptr(spec(r).order), SELECTOR: (r) => str(spec(r).selector) },
  },
  StagedGlobalNetworkPolicy: {
    headings: ['NAME', 'TIER'],
    wide: ['NAME', 'TIER', 'ORDER', 'SELECTOR'],
    columns: { NAME: name, TIER: (r) => str(spec(r).tier), ORDER: (r) => ptr(spec(r).order), SELECTOR: (r) => str(spec(r).selector) },
  },
  StagedKubernetesNetworkPolicy: {
    headings: ['NAME'],
    wide: ['NAME', 'PODSELECTOR'],
    columns: { NAME: name, NAMESPACE: namespace, PODSELECTOR: (r) => JSON.stringify(spec(r).podSelector ?? {}) },
  },
  StagedNetworkPolicy: {
    headings: ['NAME', 'TIER'],
    wide: ['NAME', 'TIER', 'ORDER', 'SELECTOR'],
    columns: { NAME: name, NAMESPACE: namespace, TIER: (r) => str(spec(r).tier), ORDER: (r) => ptr(spec(r).order), SELECTOR: (r) => str(spec(r).selector) },
  },
  Node: {
    headings: ['NAME'],
    wide: ['NAME', 'ASN', 'IPV4', 'IPV6'],
    columns: {
      NAME: name,
      ASN: (r, ctx) => {
        const bgp = spec(r).bgp;
        if (bgp === undefined) return '';
        const own = at(bgp, 'asNumber');
        return own === undefined ? `(${ctx.globalAsn()})` : asn(own);
      },
      IPV4: (r) => str(at(spec(r).bgp, 'ipv4Address')),
      IPV6: (r) => str(at(spec(r).bgp, 'ipv6Address')),
    },
  },
  WorkloadEndpoint: {
    headings: ['WORKLOAD', 'NODE', 'NETWORKS', 'INTERFACE'],
    wide: ['NAME', 'WORKLOAD', 'NODE', 'NETWORKS', 'INTERFACE', 'PROFILES', 'NATS'],
    columns: {
      NAME: name,
      NAMESPACE: namespace,
      NODE: (r) => str(spec(r).node),
      ORCHESTRATOR: (r) => str(spec(r).orchestrator),
      WORKLOAD: (r) => str(spec(r).workload) || str(spec(r).pod),
      NETWORKS: (r) => list(spec(r).ipNetworks),
      NATS: (r) => list(spec(r).ipNATs),
      PROFILES: (r) => list(spec(r).profiles),
      INTERFACE: (r) => str(spec(r).interfaceName),
    },
  },
};

export function kindTable(kind: string): KindTable {
  return TABLES[kind] ?? { headings: ['NAME'], wide: ['NAME'], columns: { NAME: name } };
}

export interface TableRequest {
  readonly wide?: boolean;
  /** custom-columns=...: these headings instead of the defaults. */
  readonly headings?: readonly string[];
  /** Prepend NAMESPACE (for kinds that have it), as calicoctl does with -n or -A. */
  readonly printNamespace?: boolean;
}

/** The headings a request resolves to; a message naming the valid ones for an unknown custom column. */
export function tableHeadings(kind: string, req: TableRequest): readonly string[] | string {
  const t = kindTable(kind);
  let headings = req.headings ?? (req.wide ? t.wide : t.headings);
  for (const h of headings) {
    if (!(h in t.columns)) return `Unknown heading ${h}, valid values are: ${Object.keys(t.columns).join(', ')}`;
  }
  if (req.printNamespace && 'NAMESPACE' in t.columns) headings = ['NAMESPACE', ...headings];
  return headings;
}

/** The table `calicoctl get` prints, followed by its blank line. */
export function renderTable(kind: string, headings: readonly string[], items: readonly Resource[], ctx: TableContext): string {
  const t = kindTable(kind);
  const rows = items.map((r) => headings.map((h) => (t.columns[h] ?? name)(r, ctx)));
  return plainTable(headings, rows) + '\n';
}
