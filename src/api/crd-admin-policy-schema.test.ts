import Ajv from 'ajv';
import { adminPolicyCrdKinds } from './crd-admin-policy-schema';
import { crdFileName, crdObject, type JsonSchema } from './crd-schema';
import { ValidationError } from './errors';
import { decodeAdminNetworkPolicy, decodeBaselineAdminNetworkPolicy } from './k8s/admin-network-policy';

type Crd = {
  metadata: { name: string };
  spec: { group: string; scope: string; names: { kind: string; shortNames?: string[] }; versions: Array<{ name: string; subresources?: unknown; schema: { openAPIV3Schema: JsonSchema } }> };
};

const crds = adminPolicyCrdKinds().map((k) => crdObject(k) as unknown as Crd);
const ajv = new Ajv({ strict: false, allErrors: true, useDefaults: true }).addFormat('int32', true);
const validators = new Map(crds.map((c) => [c.spec.names.kind, ajv.compile(c.spec.versions[0]?.schema.openAPIV3Schema ?? {})]));

function schemaAccepts(kind: string, spec: unknown, name = 'default'): boolean {
  const v = validators.get(kind);
  if (!v) throw new Error(`no CRD for ${kind}`);
  return v({ apiVersion: 'policy.networking.k8s.io/v1alpha1', kind, metadata: { name }, spec }) as boolean;
}

function decoderAccepts(kind: string, spec: unknown): boolean {
  const raw = { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind, metadata: { name: 'default' }, spec };
  try {
    if (kind === 'AdminNetworkPolicy') decodeAdminNetworkPolicy(raw);
    else decodeBaselineAdminNetworkPolicy(raw);
    return true;
  } catch (err) {
    if (err instanceof ValidationError) return false;
    throw err;
  }
}

const ns = { namespaces: {} };
const rules = (n: number, action = 'Allow'): unknown[] => Array.from({ length: n }, () => ({ action, from: [ns] }));

describe('admin policy CRDs', () => {
  it('are the cluster-scoped policy.networking.k8s.io/v1alpha1 kinds with a status subresource', () => {
    expect(crds.map((c) => [c.metadata.name, c.spec.group, c.spec.scope, c.spec.versions[0]?.name, c.spec.versions[0]?.subresources, c.spec.names.shortNames])).toEqual([
      ['adminnetworkpolicies.policy.networking.k8s.io', 'policy.networking.k8s.io', 'Cluster', 'v1alpha1', { status: {} }, ['anp']],
      ['baselineadminnetworkpolicies.policy.networking.k8s.io', 'policy.networking.k8s.io', 'Cluster', 'v1alpha1', { status: {} }, ['banp']],
    ]);
    expect(adminPolicyCrdKinds().map(crdFileName)).toEqual(['policy.networking.k8s.io_adminnetworkpolicies.yaml', 'policy.networking.k8s.io_baselineadminnetworkpolicies.yaml']);
  });

  it('defaults a port protocol to TCP', () => {
    const v = validators.get('AdminNetworkPolicy');
    const obj = { apiVersion: 'x', kind: 'AdminNetworkPolicy', metadata: {}, spec: { priority: 1, subject: ns, ingress: [{ action: 'Allow', from: [ns], ports: [{ portNumber: { port: 80 } }] }] } };
    expect(v?.(obj)).toBe(true);
    expect(obj.spec.ingress[0]?.ports[0]).toEqual({ portNumber: { port: 80, protocol: 'TCP' } });
  });

  // Every case the OpenAPI part of the CRD decides: the schema and the repository's decoder agree.
  const cases: Array<{ name: string; kind?: string; spec: unknown; ok: boolean }> = [
    { name: 'minimal ANP', spec: { priority: 0, subject: ns }, ok: true },
    { name: 'priority 1000', spec: { priority: 1000, subject: ns }, ok: true },
    { name: 'priority 1001', spec: { priority: 1001, subject: ns }, ok: false },
    { name: 'priority -1', spec: { priority: -1, subject: ns }, ok: false },
    { name: 'no priority', spec: { subject: ns }, ok: false },
    { name: 'no subject', spec: { priority: 1 }, ok: false },
    { name: 'empty subject', spec: { priority: 1, subject: {} }, ok: false },
    { name: 'two-field subject', spec: { priority: 1, subject: { namespaces: {}, pods: { namespaceSelector: {}, podSelector: {} } } }, ok: false },
    { name: 'pods without podSelector', spec: { priority: 1, subject: { pods: { namespaceSelector: {} } } }, ok: false },
    { name: '100 ingress rules', spec: { priority: 1, subject: ns, ingress: rules(100) }, ok: true },
    { name: '101 ingress rules', spec: { priority: 1, subject: ns, ingress: rules(101) }, ok: false },
    { name: 'action Pass', spec: { priority: 1, subject: ns, ingress: rules(1, 'Pass') }, ok: true },
    { name: 'action Log', spec: { priority: 1, subject: ns, ingress: rules(1, 'Log') }, ok: false },
    { name: 'rule without peers', spec: { priority: 1, subject: ns, egress: [{ action: 'Deny' }] }, ok: false },
    { name: 'empty peers', spec: { priority: 1, subject: ns, egress: [{ action: 'Deny', to: [] }] }, ok: false },
    { name: 'two-field peer', spec: { priority: 1, subject: ns, egress: [{ action: 'Deny', to: [{ namespaces: {}, networks: ['10.0.0.0/8'] }] }] }, ok: false },
    { name: '25 networks', spec: { priority: 1, subject: ns, egress: [{ action: 'Deny', to: [{ networks: Array.from({ length: 25 }, (_, i) => `10.${i}.0.0/16`) }] }] }, ok: true },
    { name: '26 networks', spec: { priority: 1, subject: ns, egress: [{ action: 'Deny', to: [{ networks: Array.from({ length: 26 }, (_, i) => `10.${i}.0.0/16`) }] }] }, ok: false },
    { name: 'port 0', spec: { priority: 1, subject: ns, ingress: [{ action: 'Allow', from: [ns], ports: [{ portNumber: { port: 0 } }] }] }, ok: false },
    { name: 'selector requirement without operator', spec: { priority: 1, subject: { namespaces: { matchExpressions: [{ key: 'a' }] } } }, ok: false },
    { name: 'port range without protocol', spec: { priority: 1, subject: ns, ingress: [{ action: 'Allow', from: [ns], ports: [{ portRange: { start: 1, end: 2 } }] }] }, ok: true },
    { name: 'rule name of 101 characters', spec: { priority: 1, subject: ns, ingress: [{ name: 'r'.repeat(101), action: 'Allow', from: [ns] }] }, ok: false },
    { name: 'minimal BANP', kind: 'BaselineAdminNetworkPolicy', spec: { subject: ns, egress: [{ action: 'Deny', to: [ns] }] }, ok: true },
    { name: 'BANP action Pass', kind: 'BaselineAdminNetworkPolicy', spec: { subject: ns, ingress: rules(1, 'Pass') }, ok: false },
  ];
  it.each(cases)('$name: accepted=$ok by the schema and by the decoder', ({ kind, spec, ok }) => {
    const k = kind ?? 'AdminNetworkPolicy';
    expect({ schema: schemaAccepts(k, structuredClone(spec)), decoder: decoderAccepts(k, structuredClone(spec)) }).toEqual({ schema: ok, decoder: ok });
  });
});
