// The rendered install applied to the strict API-server TEST FIXTURE as `kubectl apply` sends it (POST with
// fieldValidation=Strict, in the file's order): manifests/gingham.yaml and every golden value set of the chart. Every
// object must be accepted; then the tokens of the chart's own ServiceAccounts, authorised by the ClusterRoles and
// bindings just applied, must do what the node agent, the CNI plugin and the controllers do, and no more.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ensureControllersConfiguration } from '../../src/controllers/config';
import { API_VERSION, type StoredResource } from '../../src/datastore';
import { endpointFromKubeconfig, HttpKubeApi } from '../../src/datastore/kubernetes/http-api';
import { KubernetesDatastore } from '../../src/datastore/kubernetes/kubernetes-datastore';
import { DatastoreCache } from '../../src/datastore/cache';
import { IpamAllocator } from '../../src/ipam';
import { systemClock } from '../../src/lib/clock';
import { nullLogger, type Logger } from '../../src/lib/logger';
import { OPTIONAL_NODE_KINDS } from '../../src/node/calc/kinds';
import { startKubeFixture, type KubeFixture } from './server';

const ROOT = path.join(__dirname, '..', '..');
type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } & Record<string, unknown>;

const PLURALS: Readonly<Record<string, string>> = {
  CustomResourceDefinition: 'customresourcedefinitions',
  ServiceAccount: 'serviceaccounts',
  ConfigMap: 'configmaps',
  ClusterRole: 'clusterroles',
  ClusterRoleBinding: 'clusterrolebindings',
  DaemonSet: 'daemonsets',
  Deployment: 'deployments',
  PodDisruptionBudget: 'poddisruptionbudgets',
  AdminNetworkPolicy: 'adminnetworkpolicies',
  BaselineAdminNetworkPolicy: 'baselineadminnetworkpolicies',
};

function docs(file: string): Obj[] {
  return parseAllDocuments(fs.readFileSync(path.join(ROOT, file), 'utf8')).map((d) => d.toJSON() as Obj).filter((d) => d !== null);
}

function call(fx: KubeFixture, token: string, method: string, urlPath: string, body?: unknown): Promise<{ code: number; body: { message?: string } }> {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(`${fx.url}${urlPath}`, { method, ca: fx.ca, headers: { authorization: `Bearer ${token}`, ...(data ? { 'content-type': 'application/json' } : {}) }, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { message?: string } }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

function collectionPath(o: Obj): string {
  const plural = PLURALS[o.kind];
  if (!plural) throw new Error(`no plural for ${o.kind}`);
  const base = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  return `${base}${o.metadata.namespace ? `/namespaces/${o.metadata.namespace}` : ''}/${plural}`;
}

/** Applies every object in order; returns the refusals (none expected). */
async function apply(fx: KubeFixture, objects: readonly Obj[]): Promise<string[]> {
  const refused: string[] = [];
  for (const o of objects) {
    const r = await call(fx, fx.token ?? '', 'POST', `${collectionPath(o)}?fieldValidation=Strict`, o);
    if (r.code !== 201) refused.push(`${o.kind}/${o.metadata.name}: ${r.code} ${r.body.message ?? ''}`);
  }
  return refused;
}

const CRDS = docs('manifests/gingham.yaml').filter((o) => o.kind === 'CustomResourceDefinition');
const isAdminCrd = (o: Obj): boolean => o.metadata.name.endsWith('.policy.networking.k8s.io');

/** Waits (bounded) until `done` holds. */
async function until(done: () => boolean, what: string, ms = 5000): Promise<void> {
  for (const deadline = Date.now() + ms; !done(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the chart applied to the strict API server', () => {
  const fixtures: KubeFixture[] = [];
  const fresh = async (): Promise<KubeFixture> => {
    const fx = await startKubeFixture({ calicoCrds: false, installKinds: true });
    fixtures.push(fx);
    return fx;
  };
  afterEach(async () => {
    for (const fx of fixtures.splice(0)) await fx.close();
  });

  it.each([
    ['manifests/gingham.yaml', 'manifests/gingham.yaml'],
    ...['kubernetes', 'etcd-tls', 'vxlan-reflectors'].map((n) => [`golden ${n}`, `charts/gingham/testdata/${n}.golden.yaml`]),
  ])('accepts every object of %s', async (_name, file) => {
    const fx = await fresh();
    const objects = file.startsWith('manifests/') ? docs(file) : [...CRDS, ...docs(file)];
    expect(objects.length).toBeGreaterThan(CRDS.length);
    expect(await apply(fx, objects)).toEqual([]);
  });

  it('refuses what a real server refuses: an unknown field, a field newer than 1.26, a wrong type', async () => {
    const fx = await fresh();
    const ds = docs('manifests/gingham.yaml').find((o) => o.kind === 'DaemonSet') as Obj;
    const bad = (mutate: (pod: Record<string, unknown>) => void): Obj => {
      const copy = structuredClone(ds);
      mutate(((copy.spec as Record<string, unknown>).template as { spec: Record<string, unknown> }).spec);
      return copy;
    };
    expect(await apply(fx, [bad((p) => Object.assign(p, { hostNetwrk: true }))])).toEqual([expect.stringMatching(/DaemonSet\/gingham-node: 400 strict decoding error: .*hostNetwrk: unknown field/)]);
    expect(await apply(fx, [bad((p) => Object.assign(p, { schedulingGates: [] }))])).toEqual([expect.stringMatching(/400 strict decoding error: .*schedulingGates: field newer than Kubernetes 1.26/)]);
    expect(await apply(fx, [bad((p) => Object.assign(p, { hostNetwork: 'yes' }))])).toEqual([expect.stringMatching(/400 DaemonSet in version "v1" cannot be handled as a DaemonSet: .*hostNetwork: expected a boolean/)]);
  });

  it("validates AdminNetworkPolicies against the chart's CRDs: defaults, bounds, enums, required fields, strict decoding", async () => {
    const fx = await fresh();
    expect(await apply(fx, CRDS.filter(isAdminCrd))).toEqual([]);
    const anp = (name: string, spec: unknown): Obj => ({ apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name }, spec });
    const ns = { namespaces: {} };
    const post = (o: Obj): Promise<{ code: number; body: { message?: string } }> => call(fx, fx.token ?? '', 'POST', `${collectionPath(o)}?fieldValidation=Strict`, o);
    const ok = await post(anp('ok', { priority: 10, subject: ns, ingress: [{ action: 'Allow', from: [ns], ports: [{ portNumber: { port: 80 } }] }] }));
    expect(ok.code).toBe(201);
    expect((ok.body as { spec?: { ingress?: Array<{ ports?: unknown[] }> } }).spec?.ingress?.[0]?.ports).toEqual([{ portNumber: { port: 80, protocol: 'TCP' } }]);
    const refusals: string[] = [];
    for (const [name, spec] of [
      ['prio', { priority: 1001, subject: ns }],
      ['rules', { priority: 1, subject: ns, egress: Array.from({ length: 101 }, () => ({ action: 'Deny', to: [ns] })) }],
      ['action', { priority: 1, subject: ns, ingress: [{ action: 'Log', from: [ns] }] }],
      ['subject', { priority: 1, subject: {} }],
      ['nets', { priority: 1, subject: ns, egress: [{ action: 'Deny', to: [{ networks: Array.from({ length: 26 }, (_, i) => `10.${i}.0.0/16`) }] }] }],
      ['nopriority', { subject: ns }],
    ] as const) {
      const r = await post(anp(name, spec));
      refusals.push(`${name}: ${r.code} ${r.body.message ?? ''}`);
    }
    expect(refusals).toEqual([
      'prio: 422 AdminNetworkPolicy.policy.networking.k8s.io "prio" is invalid: spec.priority: Invalid value: 1001: spec.priority in body should be less than or equal to 1000',
      'rules: 422 AdminNetworkPolicy.policy.networking.k8s.io "rules" is invalid: spec.egress: Too many: 101: must have at most 100 items',
      'action: 422 AdminNetworkPolicy.policy.networking.k8s.io "action" is invalid: spec.ingress[0].action: Unsupported value: "Log": supported values: "Allow", "Deny", "Pass"',
      'subject: 422 AdminNetworkPolicy.policy.networking.k8s.io "subject" is invalid: spec.subject: Invalid value: 0: spec.subject in body should have at least 1 properties',
      'nets: 422 AdminNetworkPolicy.policy.networking.k8s.io "nets" is invalid: spec.egress[0].to[0].networks: Too many: 26: must have at most 25 items',
      'nopriority: 422 AdminNetworkPolicy.policy.networking.k8s.io "nopriority" is invalid: spec.priority: Required value',
    ]);
    const typo = await post(anp('typo', { priority: 1, subject: ns, ingres: [] }));
    expect(`${typo.code} ${typo.body.message ?? ''}`).toBe('400 strict decoding error: unknown field "spec.ingres"');
    const banp = { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'BaselineAdminNetworkPolicy', metadata: { name: 'default' }, spec: { subject: ns, ingress: [{ action: 'Pass', from: [ns] }] } };
    expect((await post(banp)).code).toBe(422);
  });

  it('the node cache runs without the admin policy CRDs, warns once, and watches them once they are applied', async () => {
    const fx = await fresh();
    expect(await apply(fx, CRDS.filter((o) => !isAdminCrd(o)))).toEqual([]);
    const store = new KubernetesDatastore({ api: new HttpKubeApi(endpointFromKubeconfig(fx.kubeconfig)), retryDelaysMs: [20] });
    const warnings: string[] = [];
    const logger: Logger = { ...nullLogger, warn: (m) => void warnings.push(m), child: () => logger };
    const cache = new DatastoreCache(store, ['IPPool', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'], undefined, { kinds: OPTIONAL_NODE_KINDS, clock: systemClock, logger, retryMs: 100 });
    try {
      await cache.start();
      expect(cache.inSync).toBe(true);
      expect(warnings).toEqual([
        expect.stringContaining('AdminNetworkPolicy is not served: none are enforced until adminnetworkpolicies.policy.networking.k8s.io is installed'),
        expect.stringContaining('BaselineAdminNetworkPolicy is not served: none are enforced until baselineadminnetworkpolicies.policy.networking.k8s.io is installed'),
      ]);
      expect(await apply(fx, CRDS.filter(isAdminCrd))).toEqual([]);
      const policy = { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name: 'late' }, spec: { priority: 5, subject: { namespaces: {} } } };
      expect((await call(fx, fx.token ?? '', 'POST', '/apis/policy.networking.k8s.io/v1alpha1/adminnetworkpolicies', policy)).code).toBe(201);
      await until(() => cache.get('AdminNetworkPolicy', 'late') !== undefined, 'the late AdminNetworkPolicy in the cache');
      expect(warnings).toHaveLength(2);
    } finally {
      await cache.close();
      await store.close();
    }
  });

  it("the chart's ServiceAccount tokens do what the agent, the CNI plugin and the controllers need, and no more", async () => {
    const fx = await fresh();
    expect(await apply(fx, docs('manifests/gingham.yaml'))).toEqual([]);
    const admin = new HttpKubeApi(endpointFromKubeconfig(fx.kubeconfig));
    await admin.create({ group: '', version: 'v1', plural: 'nodes' }, { metadata: { name: 'node-1' } });
    await admin.create({ group: '', version: 'v1', plural: 'namespaces' }, { metadata: { name: 'web' } });
    await admin.create({ group: '', version: 'v1', plural: 'pods', namespace: 'web' }, { metadata: { name: 'front-end' }, spec: { nodeName: 'node-1', containers: [{ name: 'c' }] } });
    const as = (sa: string): KubernetesDatastore => new KubernetesDatastore({ api: new HttpKubeApi(endpointFromKubeconfig(fx.kubeconfigFor('kube-system', sa))), retryDelaysMs: [20] });
    const agent = as('gingham-node');
    const cni = as('gingham-cni-plugin');
    const controllers = as('gingham-kube-controllers');
    try {
      // The node agent: its Node (through nodes/status), the default pool, its tunnel address from IPAM.
      const node = await agent.get('Node', 'node-1');
      await agent.update({ ...node, spec: { bgp: { ipv4Address: '192.0.2.1/24' } } });
      await agent.create({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'default-ipv4-ippool' }, spec: { cidr: '10.244.0.0/16', blockSize: 26, ipipMode: 'Always', vxlanMode: 'Never', natOutgoing: true, nodeSelector: 'all()' } });
      expect((await new IpamAllocator(agent).autoAssign({ handleId: 'ipip-tunnel-addr-node-1', hostname: 'node-1', num4: 1 })).ipv4).toHaveLength(1);
      // The CNI plugin: a pod's address, its WorkloadEndpoint (through pods/status).
      const pod = await new IpamAllocator(cni).autoAssign({ handleId: 'k8s-pod-network.abc', hostname: 'node-1', num4: 1, attrs: { namespace: 'web', pod: 'front-end', node: 'node-1' } });
      const wep: StoredResource = { apiVersion: API_VERSION, kind: 'WorkloadEndpoint', metadata: { name: 'node--1-k8s-front--end-eth0', namespace: 'web' }, spec: { orchestrator: 'k8s', node: 'node-1', pod: 'front-end', endpoint: 'eth0', interfaceName: 'cali0123456789a', ipNetworks: pod.ipv4 } };
      await cni.create(wep);
      // The controllers: their configuration, the IPAM they collect, their Lease.
      await ensureControllersConfiguration(controllers);
      expect((await controllers.list('IPAMBlock')).items).toHaveLength(1);
      const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'gingham-kube-controllers' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } };
      expect((await call(fx, fx.tokenFor('kube-system', 'gingham-kube-controllers'), 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases', lease)).code).toBe(201);
    } finally {
      for (const s of [agent, cni, controllers]) await s.close();
      admin.close();
    }
    // No more: each request below is one the process never makes.
    const denied: Array<[string, string, string, unknown?]> = [
      ['gingham-node', 'DELETE', '/api/v1/nodes/node-1'],
      ['gingham-node', 'PUT', '/api/v1/nodes/node-1', { metadata: { name: 'node-1' } }],
      ['gingham-node', 'POST', '/api/v1/namespaces/web/pods', { metadata: { name: 'x' }, spec: { containers: [{ name: 'c' }] } }],
      ['gingham-node', 'GET', '/api/v1/namespaces/kube-system/configmaps'],
      ['gingham-node', 'DELETE', '/apis/crd.projectcalico.org/v1/ippools/default-ipv4-ippool'],
      ['gingham-cni-plugin', 'GET', '/api/v1/nodes'],
      ['gingham-cni-plugin', 'PATCH', '/api/v1/nodes/node-1/status', {}],
      ['gingham-cni-plugin', 'GET', '/apis/crd.projectcalico.org/v1/felixconfigurations'],
      ['gingham-kube-controllers', 'DELETE', '/api/v1/nodes/node-1'],
      ['gingham-kube-controllers', 'PATCH', '/api/v1/nodes/node-1/status', {}],
      ['gingham-kube-controllers', 'DELETE', '/apis/crd.projectcalico.org/v1/ippools/default-ipv4-ippool'],
      ['gingham-kube-controllers', 'DELETE', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/gingham-kube-controllers'],
      ['gingham-kube-controllers', 'GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles'],
    ];
    const answers: string[] = [];
    for (const [sa, method, p, body] of denied) answers.push(`${sa} ${method} ${p}: ${(await call(fx, fx.tokenFor('kube-system', sa), method, p, body)).code}`);
    expect(answers).toEqual(denied.map(([sa, method, p]) => `${sa} ${method} ${p}: 403`));
  });
});
