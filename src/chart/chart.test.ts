import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import type { V1ConfigMap, V1Container, V1DaemonSet, V1Deployment, V1PodSpec } from '@kubernetes/client-node';
import { PORTS } from '../api/well-known';
import { chartFiles, GOLDEN_VALUE_SETS, renderYaml } from './files';
import { poolModes, renderManifests } from './render';
import { KIND_MODELS, strictFieldErrors } from './strict-fields';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Secret, ServiceAccount } from 'kubernetes-models/v1';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { DaemonSet, Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { renderTemplate, TemplateError } from './templates';
import { ChartValuesError, DEFAULT_VALUES, resolveValues, valuesSchema } from './values';

const ROOT = path.join(__dirname, '..', '..');
const read = (rel: string): string => fs.readFileSync(path.join(ROOT, rel), 'utf8');
type Obj = { apiVersion: string; kind: string; metadata: { name: string } } & Record<string, unknown>;
const docs = (text: string): Obj[] => parseAllDocuments(text).map((d) => d.toJSON()).filter((d) => d !== null);
const version = (JSON.parse(read('package.json')) as { version: string }).version;

describe('chart files', () => {
  it('the committed Chart.yaml, values, schema, golden renders and manifests/gingham.yaml equal what `npm run gen:chart` writes', () => {
    for (const [rel, text] of chartFiles(version)) expect({ rel, text: read(rel) }).toEqual({ rel, text });
  });

  it('renders golden files for the kubernetes, etcd-with-TLS and vxlan-with-reflectors value sets', () => {
    expect(Object.keys(GOLDEN_VALUE_SETS).sort()).toEqual(['etcd-tls', 'kubernetes', 'vxlan-reflectors']);
    for (const name of Object.keys(GOLDEN_VALUE_SETS)) {
      const overrides = parse(read(`charts/gingham/testdata/${name}.values.yaml`)) ?? {};
      expect(read(`charts/gingham/testdata/${name}.golden.yaml`)).toBe(renderYaml(overrides));
    }
  });
});

describe('templates', () => {
  const templates = [...chartFiles(version)].filter(([rel]) => rel.startsWith('charts/gingham/templates/'));
  const renderAll = (overrides: unknown): Obj[] => templates.flatMap(([, text]) => docs(renderTemplate(text, resolveValues(overrides))));
  const key = (o: Obj): string => `${o.kind}/${o.metadata.name}`;
  const byKey = (l: Obj[]): Obj[] => [...l].sort((a, b) => key(a).localeCompare(key(b)));

  it.each([
    ...Object.entries(GOLDEN_VALUE_SETS),
    ['etcd without TLS, ipipCrossSubnet', { datastore: { type: 'etcd', etcd: { endpoints: ['http://127.0.0.1:2379'] } }, encapsulation: 'ipipCrossSubnet' }],
    ['none, reflectors, a four-byte AS', { asNumber: 4200000000, encapsulation: 'none', routeReflectors: { enabled: true }, namespace: 'gingham-system', image: { tag: 'dev' } }],
    ['vxlanCrossSubnet, etcd TLS, reflectors', { encapsulation: 'vxlanCrossSubnet', datastore: { type: 'etcd', etcd: { endpoints: ['https://a:2379'], tlsSecret: 's' } }, routeReflectors: { enabled: true, perZone: 3 } }],
  ])('the templates rendered with %s equal renderManifests', (_name, overrides) => {
    expect(byKey(renderAll(overrides))).toEqual(byKey(renderManifests(resolveValues(overrides))));
  });

  it('the template renderer refuses what it does not implement', () => {
    expect(() => renderTemplate('{{ include "x" . }}', {})).toThrow(TemplateError);
    expect(() => renderTemplate('{{- if .Values.a }}\nx', {})).toThrow('an if without an end');
    expect(() => renderTemplate('{{ .Values.missing }}', {})).toThrow('.Values.missing is not set');
  });
});

describe('RBAC', () => {
  it('the ClusterRoles, bindings and ServiceAccounts equal charts/gingham/rbac/cluster-roles.yaml (the roles the API-server fixture enforces)', () => {
    const fixture = docs(read('charts/gingham/rbac/cluster-roles.yaml'));
    const rbacKinds = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding']);
    const rendered = renderManifests(DEFAULT_VALUES).filter((o) => rbacKinds.has(o.kind));
    const key = (o: Obj): string => `${o.kind}/${o.metadata.name}`;
    const sort = (l: Obj[]): Obj[] => [...l].sort((a, b) => key(a).localeCompare(key(b)));
    expect(sort(rendered)).toEqual(sort(fixture));
  });

  it('the node agent and the CNI plugin write Nodes and Pods only through their status subresources', () => {
    for (const o of renderManifests(DEFAULT_VALUES).filter((x) => x.kind === 'ClusterRole')) {
      for (const r of o.rules as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>) {
        if (!r.apiGroups.includes('')) continue;
        const writes = r.verbs.filter((v) => ['create', 'update', 'patch', 'delete'].includes(v));
        if (writes.length > 0) expect({ role: o.metadata.name, resources: r.resources.filter((x) => x === 'nodes' || x === 'pods') }).toEqual({ role: o.metadata.name, resources: [] });
      }
    }
  });
});

describe('validation of every rendered object', () => {
  const sets = [...Object.values(GOLDEN_VALUE_SETS).map((o) => renderYaml(o)), read('manifests/gingham.yaml')];

  it('every built-in object passes the strict unknown-field walk (fields and types of Kubernetes <= 1.26)', () => {
    for (const text of sets) for (const o of docs(text)) expect({ obj: `${o.kind}/${o.metadata?.name}`, errors: strictFieldErrors(o) }).toEqual({ obj: `${o.kind}/${o.metadata?.name}`, errors: [] });
  });

  // kubernetes-models validates against the upstream OpenAPI schemas (types, formats, required fields); the walk above
  // adds what they leave open (unknown fields, fields newer than 1.26). Both must hold for every built-in object.
  const MODELS: Readonly<Record<string, new (data: never) => { validate(): void }>> = {
    'v1/ServiceAccount': ServiceAccount, 'v1/ConfigMap': ConfigMap, 'v1/Secret': Secret,
    'apps/v1/DaemonSet': DaemonSet, 'apps/v1/Deployment': Deployment, 'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
    'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole, 'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
    'apiextensions.k8s.io/v1/CustomResourceDefinition': CustomResourceDefinition,
  };
  const modelErrors = (o: Obj): string => {
    const Model = MODELS[`${o.apiVersion}/${o.kind}`];
    if (!Model) return 'no kubernetes-models class for this kind';
    try {
      new Model(o as never).validate();
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  };

  it('every built-in object validates with kubernetes-models (the upstream OpenAPI schemas)', () => {
    expect(Object.keys(MODELS).sort()).toEqual(Object.keys(KIND_MODELS).sort());
    for (const text of sets) for (const o of docs(text)) expect({ obj: `${o.kind}/${o.metadata?.name}`, error: modelErrors(o) }).toEqual({ obj: `${o.kind}/${o.metadata?.name}`, error: '' });
  });

  it('kubernetes-models refuses a wrong type and a missing required field', () => {
    const ds = structuredClone(renderManifests(DEFAULT_VALUES).find((o) => o.kind === 'DaemonSet')) as unknown as V1DaemonSet;
    Object.assign(ds.spec!.template.spec!.containers[0]!, { ports: [{ containerPort: 'http' }] });
    expect(modelErrors(ds as unknown as Obj)).toMatch(/containerPort must be integer/);
    delete (ds.spec as Partial<V1DaemonSet['spec']>)!.selector;
    expect(modelErrors(ds as unknown as Obj)).toMatch(/selector/);
  });

  it('the walk rejects an unknown field, a wrong type, a field newer than 1.26 and an unknown kind', () => {
    const ds = structuredClone(renderManifests(DEFAULT_VALUES).find((o) => o.kind === 'DaemonSet')) as unknown as V1DaemonSet;
    const pod = ds.spec!.template.spec!;
    Object.assign(pod, { hostNetwrk: true });
    Object.assign(pod.containers[0]!.livenessProbe!, { periodSeconds: '10' });
    Object.assign(pod.containers[0]!, { resizePolicy: [] });
    expect(strictFieldErrors(ds)).toEqual([
      'apps/v1/DaemonSet.spec.template.spec.containers[0].livenessProbe.periodSeconds: expected a number, got "10"',
      'apps/v1/DaemonSet.spec.template.spec.containers[0].resizePolicy: field newer than Kubernetes 1.26 (V1Container)',
      'apps/v1/DaemonSet.spec.template.spec.hostNetwrk: unknown field (V1PodSpec)',
    ]);
    expect(strictFieldErrors({ apiVersion: 'v1', kind: 'Pod' })).toEqual(['v1/Pod: kind not in the table of allowed kinds']);
  });

  it('manifests/gingham.yaml carries every CRD of charts/gingham/crds as apiextensions.k8s.io/v1 with structural, 1.26-only features', () => {
    const crds = docs(read('manifests/gingham.yaml')).filter((o) => o.kind === 'CustomResourceDefinition');
    const files = fs.readdirSync(path.join(ROOT, 'charts/gingham/crds'));
    // <group>_<plural>.yaml holds the CRD <plural>.<group>.
    expect(crds.map((c) => c.metadata.name).sort()).toEqual(files.map((f) => f.replace(/^([^_]+)_(.+)\.yaml$/, '$2.$1')).sort());
    expect(crds.map((c) => c.metadata.name)).toEqual(expect.arrayContaining(['adminnetworkpolicies.policy.networking.k8s.io', 'baselineadminnetworkpolicies.policy.networking.k8s.io']));
    const text = read('manifests/gingham.yaml');
    // CEL messageExpression/reason/fieldPath/optionalOldSelf arrived after 1.26; x-kubernetes-validations is beta in 1.25.
    for (const newer of ['messageExpression', 'optionalOldSelf', 'selectableFields']) expect(text).not.toContain(newer);
  });

  it('values.yaml and every golden value set satisfy values.schema.json, which rejects unknown values', () => {
    const validate = new Ajv({ strict: false }).compile(valuesSchema());
    expect(validate(parse(read('charts/gingham/values.yaml')))).toBe(true);
    for (const o of Object.values(GOLDEN_VALUE_SETS)) expect(validate(resolveValues(o))).toBe(true);
    expect(validate({ ...DEFAULT_VALUES, pools: {} })).toBe(false);
    expect(validate({ ...DEFAULT_VALUES, encapsulation: 'gre' })).toBe(false);
  });
});

describe('values', () => {
  it.each([
    [{ pool: { cidr: '10.0.0.0/33' } }, 'values.pool.cidr: "10.0.0.0/33" is not an IPv4 CIDR'],
    [{ pool: { blockSize: 19 } }, 'values.pool.blockSize: must be a whole number between 20 and 32, got 19'],
    [{ pool: { cidr: '10.0.0.0/28' } }, 'values.pool.blockSize: /26 is larger than the pool 10.0.0.0/28'],
    [{ encapsulation: 'gre' }, 'values.encapsulation: must be one of none, vxlan, ipip, vxlanCrossSubnet, ipipCrossSubnet, got "gre"'],
    [{ asNumber: 0 }, 'values.asNumber: must be a whole number 1..4294967295, got 0'],
    [{ datastore: { type: 'etcd' } }, 'values.datastore.etcd.endpoints: is required with datastore.type etcd'],
    [{ datastore: { type: 'etcd', etcd: { endpoints: ['10.0.0.1:2379'] } } }, 'values.datastore.etcd.endpoints: "10.0.0.1:2379" is not an http(s) URL'],
    [{ routeReflectors: { perZone: 0 } }, 'values.routeReflectors.perZone: must be a whole number >= 1, got 0'],
    [{ routeReflectors: { clusterID: 'x' } }, 'values.routeReflectors.clusterID: "x" is not a dotted-quad cluster ID'],
    [{ imge: {} }, 'values.imge: is not a known value'],
    [{ pool: { blockSize: '26' } }, 'values.pool.blockSize: must be a number, got "26"'],
  ])('%j is refused naming the field', (overrides, message) => {
    expect(() => resolveValues(overrides)).toThrow(new ChartValuesError('x', 'y').constructor as typeof ChartValuesError);
    expect(() => resolveValues(overrides)).toThrow(message);
  });

  it('maps each encapsulation onto CALICO_IPV4POOL_IPIP / _VXLAN', () => {
    expect(poolModes('none')).toEqual({ ipip: 'Never', vxlan: 'Never' });
    expect(poolModes('ipipCrossSubnet')).toEqual({ ipip: 'CrossSubnet', vxlan: 'Never' });
    expect(poolModes('vxlanCrossSubnet')).toEqual({ ipip: 'Never', vxlan: 'CrossSubnet' });
  });
});

describe('objects, as Calico ships them', () => {
  const env = (c: V1Container): Record<string, unknown> => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
  const kinds = (v: unknown): Obj[] => renderManifests(resolveValues(v));
  const podOf = (objs: Obj[], kind: string): V1PodSpec => (objs.find((o) => o.kind === kind) as unknown as V1DaemonSet | V1Deployment).spec!.template.spec!;

  it('node DaemonSet: host network and PID, privileged, all tolerations, system-node-critical, rolling update, probes on the health port, host paths', () => {
    const ds = kinds({}).find((o) => o.kind === 'DaemonSet') as unknown as V1DaemonSet;
    const pod = podOf(kinds({}), 'DaemonSet');
    expect(ds.spec!.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } });
    expect([pod.hostNetwork, pod.hostPID, pod.priorityClassName]).toEqual([true, true, 'system-node-critical']);
    expect(pod.tolerations).toEqual(expect.arrayContaining([{ effect: 'NoSchedule', operator: 'Exists' }, { effect: 'NoExecute', operator: 'Exists' }, { key: 'CriticalAddonsOnly', operator: 'Exists' }]));
    const main = pod.containers[0]!;
    expect(main.securityContext!.privileged).toBe(true);
    expect(main.livenessProbe!.httpGet).toEqual({ host: '127.0.0.1', path: '/liveness', port: PORTS.health });
    expect(main.readinessProbe!.httpGet).toEqual({ host: '127.0.0.1', path: '/readiness', port: PORTS.health });
    expect(env(main)).toMatchObject({ NODENAME: { fieldRef: { fieldPath: 'spec.nodeName' } }, CALICO_IPV4POOL_CIDR: '192.168.0.0/16', CALICO_IPV4POOL_BLOCK_SIZE: '26', CALICO_IPV4POOL_IPIP: 'Always', CALICO_IPV4POOL_VXLAN: 'Never', AS: '64512', IP: 'autodetect' });
    expect(pod.initContainers![0]!.command).toEqual(['gingham', 'cni', 'install', '--bin-dir', '/host/opt/cni/bin', '--conf-dir', '/host/etc/cni/net.d', '--mtu', '$(CNI_MTU)']);
    expect(env(pod.initContainers![0]!)).toMatchObject({ CNI_MTU: { configMapKeyRef: { name: 'gingham-config', key: 'veth_mtu' } } });
    expect(pod.volumes!.map((v) => v.hostPath?.path).sort()).toEqual(['/etc/cni/net.d', '/lib/modules', '/opt/cni/bin', '/run/xtables.lock', '/var/lib/gingham', '/var/log/gingham', '/var/run/gingham', '/var/run/netns']);
  });

  it('controllers Deployment: one replica, Recreate, metrics and health ports, HTTP probes, PDB maxUnavailable 1; reflectors passed only when enabled', () => {
    const objs = kinds(GOLDEN_VALUE_SETS['vxlan-reflectors']);
    const dep = objs.find((o) => o.kind === 'Deployment') as unknown as V1Deployment;
    expect([dep.spec!.replicas, dep.spec!.strategy!.type]).toEqual([1, 'Recreate']);
    const c = podOf(objs, 'Deployment').containers[0]!;
    expect(c.command).toEqual(['gingham', 'controllers', 'run', '--health-port', String(PORTS.controllersHealth), '--health-host', '0.0.0.0']);
    expect(c.ports).toEqual([{ name: 'metrics', containerPort: PORTS.controllersMetrics, protocol: 'TCP' }, { name: 'health', containerPort: PORTS.controllersHealth, protocol: 'TCP' }]);
    expect(c.livenessProbe).toEqual({ httpGet: { path: '/liveness', port: PORTS.controllersHealth }, periodSeconds: 10, timeoutSeconds: 10, initialDelaySeconds: 10, failureThreshold: 6 });
    expect(c.readinessProbe).toEqual({ httpGet: { path: '/readiness', port: PORTS.controllersHealth }, periodSeconds: 10, timeoutSeconds: 10 });
    expect(env(c)).toMatchObject({ POD_NAMESPACE: { fieldRef: { fieldPath: 'metadata.namespace' } } });
    expect(env(c)).toMatchObject({ ROUTE_REFLECTORS_ENABLED: 'true', ROUTE_REFLECTORS_PER_ZONE: '2', ROUTE_REFLECTORS_CLUSTER_ID: '244.0.0.1' });
    expect(objs.find((o) => o.kind === 'PodDisruptionBudget')?.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'k8s-app': 'gingham-kube-controllers' } } });
    expect(Object.keys(env(podOf(kinds({}), 'Deployment').containers[0]!)).filter((k) => k.startsWith('ROUTE_REFLECTORS_'))).toEqual(['ROUTE_REFLECTORS_ENABLED']);
    expect(env(podOf(objs, 'DaemonSet').containers[0]!)).toMatchObject({ CALICO_IPV4POOL_VXLAN: 'Always', CALICO_IPV4POOL_IPIP: 'Never', CALICO_IPV4POOL_BLOCK_SIZE: '24' });
  });

  it('etcd with TLS: datastore from the ConfigMap, the secret mounted read-only in every pod, controllers on the host network', () => {
    const objs = kinds(GOLDEN_VALUE_SETS['etcd-tls']);
    expect((objs.find((o) => o.kind === 'ConfigMap') as unknown as V1ConfigMap).data).toEqual({ datastore_type: 'etcdv3', veth_mtu: '0', etcd_endpoints: 'https://10.0.0.10:2379,https://10.0.0.11:2379' });
    for (const kind of ['DaemonSet', 'Deployment']) {
      const pod = podOf(objs, kind);
      expect(pod.volumes).toContainEqual({ name: 'etcd-certs', secret: { secretName: 'gingham-etcd-secrets', defaultMode: 0o440 } });
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        expect(c.volumeMounts).toContainEqual({ name: 'etcd-certs', mountPath: '/gingham-secrets', readOnly: true });
        expect(env(c)).toMatchObject({ ETCD_CA_CERT_FILE: '/gingham-secrets/etcd-ca', ETCD_ENDPOINTS: { configMapKeyRef: { name: 'gingham-config', key: 'etcd_endpoints' } } });
      }
    }
    expect(podOf(objs, 'Deployment').hostNetwork).toBe(true);
  });
});
