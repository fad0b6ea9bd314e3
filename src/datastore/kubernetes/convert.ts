// projectcalico.org/v3 resources ⇄ crd.projectcalico.org/v1 custom resources, as Calico's Kubernetes datastore
// stores them (libcalico-go backend/k8s/resources ConvertCalicoResourceToK8sResource and its inverse):
//   - same name, namespace, labels and spec (the CR's spec is the v3 spec);
//   - v3 annotations stay annotations; every other piece of v3 metadata that has no place on the CR (generateName,
//     ownerReferences, finalizers, a caller-chosen uid or creationTimestamp...) is JSON in the
//     `projectcalico.org/metadata` annotation;
//   - the CR kind differs for IPAMConfiguration (v1 IPAMConfig), and BlockAffinity's `deleted` is a string there
//     ("true"/"false", design/ipam/ipam-datastore.md) but a bool in v3.
// Pure functions over plain objects: no I/O. Node and WorkloadEndpoint are not CRs: see convert-node.ts and
// convert-workload.ts.
import { int64Literal } from './int64-json';
import { parseAsn } from '../../api/asn';
import { ASN_FIELDS } from '../../api/crd-schema';
import type { CrdInfo, KindInfo } from '../kinds';
import { API_VERSION, type ObjectMeta, type StoredResource } from '../types';
import type { KubeObject, KubeObjectMeta } from './kube-api';

export const CRD_GROUP = 'crd.projectcalico.org';
export const CRD_VERSION = 'v1';
export const METADATA_ANNOTATION = 'projectcalico.org/metadata';

/**
 * A deep copy of JSON data. Not structuredClone: that builds objects of the host realm, which a caller running in
 * another realm (a vm context, as jest's) sees as foreign prototypes; everything here is API JSON anyway.
 */
export function jsonClone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** Metadata that the CR carries itself; everything else goes into the metadata annotation. */
const ON_THE_CR = new Set(['name', 'namespace', 'resourceVersion', 'labels', 'annotations', 'uid', 'creationTimestamp']);

/**
 * The uid and creationTimestamp a resource keeps in the metadata annotation. Only a caller-chosen value is kept there
 * (calicoctl restoring a backup); otherwise the CR's own uid and creationTimestamp are the resource's.
 */
export interface PreservedMeta {
  readonly uid?: string;
  readonly creationTimestamp?: string;
}

function nonEmpty(m: Readonly<Record<string, string>> | undefined): boolean {
  return m !== undefined && Object.keys(m).length > 0;
}

/**
 * A sequence number as the v1 CRD types it (integer, int64). A decimal string (v3 keeps one beyond 2^53, such as
 * Calico's nanosecond sequence numbers) becomes a number when that is exact, else an int64Literal that the API
 * clients write as a bare integer (int64-json.ts).
 */
function seqToCr(v: unknown): unknown {
  if (typeof v !== 'string' || !/^\d+$/.test(v)) return v;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : int64Literal(v);
}

/**
 * The spec as stored in the CR: identical to v3 except BlockAffinity.deleted (bool → "true"/"false"), IPAMBlock's
 * sequence numbers (always integers in the CR: Calico's CRD types them int64) and AS numbers (integers: asdot
 * "1.10" is stored as 65546).
 */
function specToCr(kind: string, spec: unknown): unknown {
  if (kind === 'BlockAffinity' && spec !== null && typeof spec === 'object' && 'deleted' in spec) {
    const s = spec as Record<string, unknown>;
    return { ...s, deleted: s.deleted === true ? 'true' : 'false' };
  }
  const asnPaths = ASN_FIELDS[kind];
  if (asnPaths !== undefined) return asnPaths.reduce((acc, p) => mapAt(acc, p.split('.'), asnToCr), spec);
  if (kind === 'IPAMBlock' && spec !== null && typeof spec === 'object') {
    const s = { ...(spec as Record<string, unknown>) };
    if ('sequenceNumber' in s) s.sequenceNumber = seqToCr(s.sequenceNumber);
    const per = s.sequenceNumberForAllocation;
    if (per !== null && typeof per === 'object') s.sequenceNumberForAllocation = Object.fromEntries(Object.entries(per).map(([k, v]) => [k, seqToCr(v)]));
    return s;
  }
  return spec;
}

/** value with fn applied at path (ASN_FIELDS syntax: "a[].b"); copies only what it changes. */
function mapAt(value: unknown, steps: readonly string[], fn: (v: unknown) => unknown): unknown {
  const [step, ...rest] = steps;
  if (step === undefined) return fn(value);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const arrayStep = step.endsWith('[]');
  const name = arrayStep ? step.slice(0, -2) : step;
  const o = value as Record<string, unknown>;
  if (!(name in o)) return value;
  const child = o[name];
  const next = arrayStep ? (Array.isArray(child) ? child.map((e) => mapAt(e, rest, fn)) : child) : mapAt(child, rest, fn);
  return { ...o, [name]: next };
}

/** An AS number as the CRD types it (an integer); anything unparsable is left for the server's schema check to name. */
function asnToCr(v: unknown): unknown {
  return parseAsn(v) ?? v;
}

function specFromCr(kind: string, spec: unknown): unknown {
  if (kind === 'BlockAffinity' && spec !== null && typeof spec === 'object' && 'deleted' in spec) {
    const s = spec as Record<string, unknown>;
    return { ...s, deleted: s.deleted === 'true' || s.deleted === true };
  }
  return spec;
}

/** Reads the preserved uid/creationTimestamp out of a stored CR's metadata annotation. */
export function preservedMeta(cr: KubeObject): PreservedMeta {
  const extra = parseMetadataAnnotation(cr.metadata.annotations?.[METADATA_ANNOTATION]);
  return {
    ...(typeof extra.uid === 'string' && extra.uid !== '' ? { uid: extra.uid } : {}),
    ...(typeof extra.creationTimestamp === 'string' && extra.creationTimestamp !== '' ? { creationTimestamp: extra.creationTimestamp } : {}),
  };
}

function parseMetadataAnnotation(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text === '') return {};
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    // A corrupt annotation loses only the extra metadata; name, labels and spec still come from the CR.
    return {};
  }
}

/**
 * The CR that stores a v3 resource. `preserved` is what the metadata annotation must keep of uid/creationTimestamp:
 * the caller's values on create, the stored annotation's on update (an update never changes them).
 * The CR gets no uid here: the API server assigns it.
 */
export function toCustomResource(res: StoredResource, crd: CrdInfo, namespaced: boolean, preserved: PreservedMeta = {}): KubeObject {
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(res.metadata)) if (!ON_THE_CR.has(k) && v !== undefined) extra[k] = v;
  if (preserved.uid !== undefined) extra.uid = preserved.uid;
  if (preserved.creationTimestamp !== undefined) extra.creationTimestamp = preserved.creationTimestamp;
  const metadata: KubeObjectMeta = {
    name: res.metadata.name,
    ...(namespaced && res.metadata.namespace !== undefined ? { namespace: res.metadata.namespace } : {}),
    ...(nonEmpty(res.metadata.labels) ? { labels: { ...res.metadata.labels } } : {}),
    annotations: { ...(res.metadata.annotations ?? {}), [METADATA_ANNOTATION]: JSON.stringify(extra) },
    ...(res.metadata.resourceVersion ? { resourceVersion: res.metadata.resourceVersion } : {}),
  };
  if (crd.group !== undefined) {
    // A kind kept as its own objects (AdminNetworkPolicy): nothing of Calico's on it.
    if (metadata.annotations) delete metadata.annotations[METADATA_ANNOTATION];
    if (metadata.annotations && Object.keys(metadata.annotations).length === 0) delete metadata.annotations;
  }
  const out: KubeObject = { apiVersion: `${crd.group ?? CRD_GROUP}/${crd.version ?? CRD_VERSION}`, kind: crd.kind, metadata };
  if (res.spec !== undefined) out.spec = jsonClone(specToCr(res.kind, res.spec));
  if (res.status !== undefined) out.status = jsonClone(res.status);
  return out;
}

/** The v3 resource a CR stores. */
export function fromCustomResource<T extends StoredResource = StoredResource>(cr: KubeObject, info: KindInfo): T {
  const m = cr.metadata;
  const { [METADATA_ANNOTATION]: raw, ...annotations } = m.annotations ?? {};
  const extra = parseMetadataAnnotation(raw);
  for (const k of ON_THE_CR) if (k !== 'uid' && k !== 'creationTimestamp') delete extra[k];
  const uid = typeof extra.uid === 'string' && extra.uid !== '' ? extra.uid : m.uid;
  const created = typeof extra.creationTimestamp === 'string' && extra.creationTimestamp !== '' ? extra.creationTimestamp : m.creationTimestamp;
  delete extra.uid;
  delete extra.creationTimestamp;
  const metadata: Record<string, unknown> = {
    ...extra,
    name: m.name ?? '',
    ...(info.namespaced && m.namespace !== undefined ? { namespace: m.namespace } : {}),
    ...(nonEmpty(m.labels) ? { labels: { ...m.labels } } : {}),
    ...(nonEmpty(annotations) ? { annotations } : {}),
    ...(m.resourceVersion !== undefined ? { resourceVersion: m.resourceVersion } : {}),
    ...(uid !== undefined ? { uid } : {}),
    ...(created !== undefined ? { creationTimestamp: created } : {}),
  };
  const out: Record<string, unknown> = { apiVersion: info.apiVersion ?? API_VERSION, kind: info.kind, metadata: metadata as unknown as ObjectMeta };
  if (cr.spec !== undefined) out.spec = jsonClone(specFromCr(info.kind, cr.spec));
  if (cr.status !== undefined) out.status = jsonClone(cr.status);
  return out as unknown as T;
}
