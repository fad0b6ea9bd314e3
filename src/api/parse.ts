// Manifest text <-> resources, as calicoctl reads and prints them. Reading: multi-document YAML or JSON; each
// document a resource, a YAML sequence of resources, or a List ("List" or "<Kind>List") with items; YAML 1.1
// scalars as Go's yaml.v2 reads them; strict fields. Printing: YAML with sorted keys (calicoctl goes through a Go
// map) and JSON in Go struct order, both without Go-omitempty zero values.

import { parseAllDocuments, stringify, type Tags } from 'yaml';
import { ManifestError, ValidationError } from './errors';
import { API_VERSION, CRD_API_VERSION, type Resource } from './meta';
import { apiVersionOf, decodeResource, kindInfo, resourceShape } from './resource';
import { encodeShape } from './schema';

export interface ParsedResource {
  /** 1-based document number within the source. */
  readonly doc: number;
  /** 0-based position inside a List or sequence document; absent for a plain single-resource document. */
  readonly item?: number;
  readonly resource: Resource;
  /** Set when the document used the crd.projectcalico.org/v1 form and was converted to v3. */
  readonly convertedFrom?: typeof CRD_API_VERSION;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** v1 CRD kinds whose v3 name differs (design/ipam/ipam-datastore.md). */
const CRD_KIND_TO_V3: Readonly<Record<string, string>> = { IPAMConfig: 'IPAMConfiguration' };

/**
 * The CRD form of a Calico object has the same spec shape; convert the few asymmetric bits so a manifest written
 * for `kubectl apply` (as Calico tutorials do) also applies through Gingham.
 */
function fromCrdForm(raw: Obj): Obj {
  const kind = typeof raw.kind === 'string' ? (CRD_KIND_TO_V3[raw.kind] ?? raw.kind) : raw.kind;
  const out: Obj = { ...raw, apiVersion: API_VERSION, kind };
  if (kind === 'BlockAffinity' && isObj(raw.spec) && typeof raw.spec.deleted === 'string') {
    out.spec = { ...raw.spec, deleted: raw.spec.deleted === 'true' };
  }
  if (isObj(raw.metadata)) {
    // Server-populated CRD metadata that means nothing for v3.
    const { managedFields: _m, selfLink: _s, ...meta } = raw.metadata;
    out.metadata = meta;
  }
  return out;
}

/**
 * YAML 1.1 as Go's yaml.v2 implements it: no base-60 numbers (so a community "63400:10" stays a string), and
 * timestamps kept as the text written (yaml.v2 decodes them into interface{} as strings).
 */
function goYamlTags(tags: Tags): Tags {
  return tags.filter((t) => typeof t !== 'object' || !(t.format === 'TIME' || t.tag === 'tag:yaml.org,2002:timestamp'));
}

export function parseResources(text: string, source: string): ParsedResource[] {
  // YAML 1.1 as Go's yaml.v2 reads it: `yes`/`on` are booleans, which string fields then receive as "true".
  const docs = parseAllDocuments(text, { version: '1.1', uniqueKeys: true, prettyErrors: false, customTags: goYamlTags });
  const out: ParsedResource[] = [];
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((d, i) => {
    const docNo = i + 1;
    const err = d.errors[0];
    if (err) {
      const { line, col } = lineCol(text, err.pos[0]);
      throw new ManifestError(source, docNo, `invalid YAML at line ${line}, column ${col}: ${err.message.split('\n')[0]}`);
    }
    const value: unknown = d.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return; // empty document, e.g. after a trailing "---"
    const add = (raw: unknown, item: number | undefined, listKind?: string): void => {
      out.push(readOne(raw, source, docNo, item, listKind));
    };
    if (Array.isArray(value)) {
      value.forEach((v, j) => add(v, j));
    } else if (isObj(value) && typeof value.kind === 'string' && (value.kind === 'List' || value.kind.endsWith('List'))) {
      const itemKind = value.kind === 'List' ? undefined : value.kind.slice(0, -'List'.length);
      if (itemKind !== undefined && !kindInfo(itemKind)) throw new ManifestError(source, docNo, `unknown kind "${value.kind}"`);
      if (value.items !== undefined && value.items !== null && !Array.isArray(value.items)) {
        throw new ManifestError(source, docNo, `${value.kind}: items must be a list`);
      }
      ((value.items as unknown[] | null | undefined) ?? []).forEach((v, j) => add(v, j, itemKind));
    } else {
      add(value, undefined);
    }
  });
  return out;
}

/** 1-based line and column of a character offset. */
function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, offset));
  const lastNl = before.lastIndexOf('\n');
  return { line: before.split('\n').length, col: offset - lastNl };
}

/** Kubernetes' own kinds (the tutorial's NetworkPolicies are networking.k8s.io/v1) belong to kubectl, not here. */
function kubernetesHint(obj: Obj): string {
  const v = obj.apiVersion;
  if (typeof v !== 'string' || !(v === 'v1' || /^(apps|batch|policy|autoscaling)\/|\.k8s\.io\//.test(v))) return '';
  return `; a ${v} ${typeof obj.kind === 'string' ? obj.kind : 'object'} is a Kubernetes resource: apply it with kubectl`;
}

function listKindApiVersion(kind: string): string {
  const info = kindInfo(kind);
  return info ? apiVersionOf(info) : API_VERSION;
}

function readOne(raw: unknown, source: string, doc: number, item: number | undefined, listKind: string | undefined): ParsedResource {
  const where = item === undefined ? '' : `item ${item}: `;
  if (!isObj(raw)) throw new ManifestError(source, doc, `${where}a resource must be a mapping`);
  let obj = raw;
  // Items of a typed list ("IPPoolList") may leave out their own kind and apiVersion, as in Go.
  if (listKind !== undefined) obj = { kind: listKind, apiVersion: listKindApiVersion(listKind), ...obj };
  let convertedFrom: typeof CRD_API_VERSION | undefined;
  const own = typeof obj.kind === 'string' ? kindInfo(obj.kind)?.apiVersion : undefined;
  if (own !== undefined && obj.apiVersion === own) {
    // A kind of another API group Gingham stores as it is (policy.networking.k8s.io AdminNetworkPolicy).
  } else if (obj.apiVersion === CRD_API_VERSION) {
    obj = fromCrdForm(obj);
    convertedFrom = CRD_API_VERSION;
  } else if (obj.apiVersion !== API_VERSION) {
    const v = obj.apiVersion === undefined ? 'no apiVersion' : `apiVersion "${String(obj.apiVersion)}"`;
    throw new ManifestError(source, doc, `${where}${v} is not supported (expected ${API_VERSION})${kubernetesHint(obj)}`);
  }
  try {
    const resource = decodeResource(obj);
    return { doc, ...(item === undefined ? {} : { item }), resource, ...(convertedFrom ? { convertedFrom } : {}) };
  } catch (err) {
    if (err instanceof ValidationError) throw new ManifestError(source, doc, `${where}${err.message}`, { cause: err });
    throw err;
  }
}

function encode(res: Resource, sorted: boolean): unknown {
  const info = kindInfo(res.kind);
  if (!info) return res;
  return encodeShape(res, resourceShape(info), sorted);
}

function yamlText(value: unknown): string {
  // Go yaml.v2 style: YAML 1.1 quoting ("true", "1296132" and timestamps quoted), sequences not indented.
  return stringify(value, { version: '1.1', indentSeq: false, lineWidth: 0 });
}

/** One resource as `calicoctl get -o yaml` prints it. */
export function toYaml(res: Resource): string {
  return yamlText(encode(res, true));
}

/** One resource as `calicoctl get -o json` prints it (Go field order, two-space indent). */
export function toJson(res: Resource): string {
  return JSON.stringify(encode(res, false), null, 2);
}

export interface ListMeta {
  resourceVersion?: string;
}

function listObject(kind: string, items: readonly Resource[], sorted: boolean, meta: ListMeta): unknown {
  const metadata = meta.resourceVersion ? { resourceVersion: meta.resourceVersion } : {};
  const encoded = items.map((r) => encode(r, sorted));
  const apiVersion = listKindApiVersion(kind);
  return sorted ? { apiVersion, items: encoded, kind: `${kind}List`, metadata } : { kind: `${kind}List`, apiVersion, metadata, items: encoded };
}

/** Several resources of one kind as a "<Kind>List", the form calicoctl prints for a listing. */
export function toYamlList(kind: string, items: readonly Resource[], meta: ListMeta = {}): string {
  return yamlText(listObject(kind, items, true, meta));
}

export function toJsonList(kind: string, items: readonly Resource[], meta: ListMeta = {}): string {
  return JSON.stringify(listObject(kind, items, false, meta), null, 2);
}

/** Several resources (of any kinds) as a YAML sequence, as calicoctl prints `get KIND NAME1 NAME2`. */
export function toYamlArray(items: readonly Resource[]): string {
  return yamlText(items.map((r) => encode(r, true)));
}

export function toJsonArray(items: readonly Resource[]): string {
  return JSON.stringify(
    items.map((r) => encode(r, false)),
    null,
    2,
  );
}
