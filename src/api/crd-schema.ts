// The crd.projectcalico.org/v1 CustomResourceDefinitions the `kubernetes` datastore stores resources in, generated
// from the kinds' field shapes (schema.ts) so the chart's CRDs cannot drift from what the API accepts. Each CRD has a
// structural OpenAPI v3 schema (Kubernetes "structural schema" rules: every node has a type, except int-or-string
// and preserve-unknown-fields nodes), with the v1 differences Calico has (kind IPAMConfig; BlockAffinity `deleted`
// as a string). Kinds Calico ships CRDs for but Gingham does not model keep their spec unchecked
// (x-kubernetes-preserve-unknown-fields), so Calico manifests for them still apply. Node and WorkloadEndpoint have no
// CRD: Calico keeps them on the Kubernetes Node and Pod. Pure: scripts/gen-crds.ts writes the files.
import { stringify } from 'yaml';
import { adminPolicyCrdKinds } from './crd-admin-policy-schema';
import { replaceAt, shapeSchema, type CrdKind, type JsonSchema } from './crd-openapi';
import { KINDS } from './resource';

export { shapeSchema, type CrdKind, type JsonSchema } from './crd-openapi';


const OPEN: JsonSchema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

/** v3 kinds whose v1 CRD differs in name (libcalico-go backend/k8s/resources). */
const V1_NAMES: Readonly<Record<string, { kind: string; plural: string }>> = { IPAMConfiguration: { kind: 'IPAMConfig', plural: 'ipamconfigs' } };

/** Calico's CRDs for kinds Gingham stores without modelling their spec. */
const UNMODELLED: ReadonlyArray<{ kind: string; plural: string; namespaced: boolean }> = [
  { kind: 'HostEndpoint', plural: 'hostendpoints', namespaced: false },
  { kind: 'IPReservation', plural: 'ipreservations', namespaced: false },
  { kind: 'KubeControllersConfiguration', plural: 'kubecontrollersconfigurations', namespaced: false },
];

/** Kinds that live outside the CRDs in Kubernetes mode (Profiles are derived from Namespaces and ServiceAccounts). */
const NOT_CRDS = new Set(['Node', 'Profile', 'WorkloadEndpoint']);

const INT64: JsonSchema = { type: 'integer', format: 'int64' };
const INT32: JsonSchema = { type: 'integer', format: 'int32' };

/**
 * Spec fields that hold an AS number: v3 accepts "64512" or asdot "1.10", but Calico's CRDs type them integer/int32
 * (numorstring.ASNumber marshals as a number), so the CR stores the number (src/datastore/kubernetes/convert.ts).
 * Paths are relative to spec; "[]" steps into array items.
 */
export const ASN_FIELDS: Readonly<Record<string, readonly string[]>> = {
  BGPConfiguration: ['asNumber'],
  BGPPeer: ['asNumber', 'localASNumber'],
  BGPFilter: ['exportV4', 'importV4', 'exportV6', 'importV6'].flatMap((r) => [`${r}[].asPathPrefix[]`, `${r}[].operations[].prependASPath.prefix[]`]),
};

function withAsnIntegers(kind: string, spec: JsonSchema): JsonSchema {
  let out = spec;
  for (const p of ASN_FIELDS[kind] ?? []) out = replaceAt(out, p.split('.'), INT32);
  return out;
}

function v1Spec(kind: string, spec: JsonSchema): JsonSchema {
  if (ASN_FIELDS[kind]) return withAsnIntegers(kind, spec);
  if (kind === 'BlockAffinity') {
    // v1 stores BlockAffinity.deleted as "true"/"false" (design/ipam/ipam-datastore.md).
    const props = { ...(spec.properties as Record<string, JsonSchema>), deleted: { type: 'string' } };
    return { ...spec, properties: props };
  }
  if (kind === 'IPAMBlock') {
    // As Calico's CRD (libcalico-go/config/crd/crd.projectcalico.org_ipamblocks.yaml): the sequence numbers are int64
    // integers (a cluster with Calico's CRDs refuses strings), allocations are nullable integers, and the fields
    // Calico's IPAMBlockSpec does not mark omitempty are required.
    const props = {
      ...(spec.properties as Record<string, JsonSchema>),
      allocations: { type: 'array', items: { type: 'integer', nullable: true } },
      sequenceNumber: INT64,
      sequenceNumberForAllocation: { type: 'object', additionalProperties: INT64 },
    };
    return { ...spec, properties: props, required: ['allocations', 'attributes', 'cidr', 'strictAffinity', 'unallocated'] };
  }
  return spec;
}

/**
 * Every crd.projectcalico.org CRD Gingham's kubernetes datastore uses, sorted by plural (the file order of Calico's
 * crds.yaml). The admin policy kinds' CRDs are crd-admin-policy-schema.ts's.
 */
export function crdKinds(): CrdKind[] {
  const modelled = KINDS.filter((k) => k.apiVersion === undefined && !NOT_CRDS.has(k.kind) && !UNMODELLED.some((u) => u.kind === k.kind)).map((k): CrdKind => {
    const names = V1_NAMES[k.kind] ?? { kind: k.kind, plural: k.plural };
    return {
      ...names,
      namespaced: k.namespaced,
      spec: v1Spec(k.kind, shapeSchema(k.specShape)),
      ...(k.statusShape ? { status: shapeSchema(k.statusShape) } : {}),
    };
  });
  const rest = UNMODELLED.map((u): CrdKind => ({ ...u, spec: OPEN }));
  return [...modelled, ...rest].sort((a, b) => (a.plural < b.plural ? -1 : 1));
}

export const CRD_GROUP = 'crd.projectcalico.org';

export function crdObject(k: CrdKind): Record<string, unknown> {
  const properties: Record<string, JsonSchema> = {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: k.spec,
  };
  if (k.status) properties.status = k.status;
  const group = k.group ?? CRD_GROUP;
  const description = k.description ?? `${k.kind}: the projectcalico.org/v3 resource as Calico stores it in Kubernetes.`;
  const schema: JsonSchema = { description, type: 'object', properties };
  if (k.required) schema.required = [...k.required];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${k.plural}.${group}` },
    spec: {
      group,
      names: { kind: k.kind, listKind: `${k.kind}List`, plural: k.plural, ...(k.shortNames ? { shortNames: [...k.shortNames] } : {}), singular: k.kind.toLowerCase() },
      preserveUnknownFields: false,
      scope: k.namespaced ? 'Namespaced' : 'Cluster',
      versions: [
        {
          name: k.version ?? 'v1',
          schema: { openAPIV3Schema: schema },
          served: true,
          storage: true,
          ...(k.statusSubresource ? { subresources: { status: {} } } : {}),
        },
      ],
    },
  };
}

export const CRD_FILE_HEADER = '# Generated from src/api by `npm run gen:crds` (scripts/gen-crds.ts). Do not edit by hand.\n';

/** Every CRD the chart ships: Calico's, then the network-policy-api's admin policy kinds (crd-admin-policy-schema.ts). */
export function chartCrdKinds(): CrdKind[] {
  return [...crdKinds(), ...adminPolicyCrdKinds()];
}

/** A CRD's file name: `<group>_<plural>.yaml`, as kubebuilder and Calico name them. */
export const crdFileName = (k: CrdKind): string => `${k.group ?? CRD_GROUP}_${k.plural}.yaml`;

/** charts/gingham/crds/<file> -> text, as the generator writes them. */
export function crdFiles(): Map<string, string> {
  return new Map(chartCrdKinds().map((k) => [crdFileName(k), CRD_FILE_HEADER + stringify(crdObject(k), { lineWidth: 0, aliasDuplicateObjects: false })]));
}
