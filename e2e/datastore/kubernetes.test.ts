// The kubernetes datastore, over both clients (the production @kubernetes/client-node adapter and node:http), against the Kubernetes API server TEST FIXTURE (e2e/k8s-fixture): the shared conformance
// suite, then what only this backend has: the crd.projectcalico.org/v1 storage format, Node on the core Node,
// WorkloadEndpoint from the Pod, watches that survive disconnects and re-list after 410 Gone.
import { runConformance, CONFORMANCE_NAMESPACES } from '../../src/datastore/testing/conformance';
import { DatastoreErrorCode, isDatastoreError } from '../../src/datastore/errors';
import { createClientNodeApi, loadClientNode } from '../../src/datastore/kubernetes/client-node-api';
import { METADATA_ANNOTATION } from '../../src/datastore/kubernetes/convert';
import { NODE_ANNOTATIONS } from '../../src/datastore/kubernetes/convert-node';
import { workloadEndpointName } from '../../src/datastore/kubernetes/convert-workload';
import { endpointFromKubeconfig, HttpKubeApi } from '../../src/datastore/kubernetes/http-api';
import { KubernetesDatastore } from '../../src/datastore/kubernetes/kubernetes-datastore';
import type { StoredResource, Watch, WatchEvent } from '../../src/datastore/types';
import { startKubeFixture, type KubeFixture } from '../k8s-fixture/server';

type Client = 'client-node' | 'http';

/** A store over the production adapter (@kubernetes/client-node) or the dependency-free node:http one. */
function newStore(fx: KubeFixture, client: Client = 'client-node'): KubernetesDatastore {
  const api = client === 'client-node' ? createClientNodeApi(fx.kubeconfig) : new HttpKubeApi(endpointFromKubeconfig(fx.kubeconfig));
  return new KubernetesDatastore({ api, retryDelaysMs: [20, 50, 100] });
}

// The first load of @kubernetes/client-node compiles it for jest (jest.config.js): done once here, outside any test's
// time budget.
beforeAll(() => {
  loadClientNode();
}, 180_000);

for (const client of ['client-node', 'http'] as const) {
  runConformance(`kubernetes (API server fixture, ${client} client)`, async () => {
    const fx = await startKubeFixture({ bookmarkIntervalMs: 200 });
    const api = new HttpKubeApi(endpointFromKubeconfig(fx.kubeconfig));
    for (const ns of CONFORMANCE_NAMESPACES) await api.create({ group: '', version: 'v1', plural: 'namespaces' }, { metadata: { name: ns } });
    api.close();
    const store = newStore(fx, client);
    return {
      store,
      compact: async () => fx.compact(),
      cleanup: async () => {
        await store.close();
        await fx.close();
      },
    };
  });
}

function pool(name: string, labels?: Record<string, string>): StoredResource {
  return { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name, ...(labels ? { labels } : {}) }, spec: { cidr: '10.1.0.0/16' } };
}

/** Polls until cond holds; fails after 10 s. */
async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Collects events; waitFor polls with a bounded deadline. */
function collector(): { events: WatchEvent[]; handler: (e: WatchEvent) => void; waitFor(n: number): Promise<void>; names(): string[] } {
  const events: WatchEvent[] = [];
  return {
    events,
    handler: (e) => void events.push(e),
    async waitFor(n) {
      const deadline = Date.now() + 10_000;
      while (events.length < n) {
        if (Date.now() > deadline) throw new Error(`waited for ${n} events, got ${JSON.stringify(this.names())}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    names: () => events.map((e) => (e.type === 'resync' ? `resync[${e.items.map((i) => i.metadata.name).join(',')}]` : `${e.type}:${e.object.metadata.name}`)),
  };
}

describe('kubernetes datastore specifics', () => {
  let fx: KubeFixture;
  let store: KubernetesDatastore;
  const watches: Watch[] = [];
  const raw = (plural: string, name: string, ns?: string): Record<string, unknown> => {
    const t = fx.store.findType(plural === 'nodes' || plural === 'pods' ? '' : 'crd.projectcalico.org', 'v1', plural);
    if (!t) throw new Error(`fixture does not serve ${plural}`);
    return fx.store.get(t, ns, name) as unknown as Record<string, unknown>;
  };

  beforeEach(async () => {
    fx = await startKubeFixture({ bookmarkIntervalMs: 100 });
    store = newStore(fx);
  });
  afterEach(async () => {
    await Promise.all(watches.splice(0).map((w) => w.close()));
    await store.close();
    await fx.close();
  });

  it('stores v3 resources as crd.projectcalico.org/v1 custom resources, Calico style', async () => {
    await store.create({ ...pool('p1', { a: 'b' }), metadata: { name: 'p1', labels: { a: 'b' }, annotations: { note: 'x' }, generateName: 'p' } });
    const cr = raw('ippools', 'p1') as { apiVersion: string; kind: string; metadata: { labels: unknown; annotations: Record<string, string> }; spec: unknown };
    expect(cr.apiVersion).toBe('crd.projectcalico.org/v1');
    expect(cr.kind).toBe('IPPool');
    expect(cr.spec).toEqual({ cidr: '10.1.0.0/16' });
    expect(cr.metadata.labels).toEqual({ a: 'b' });
    expect(cr.metadata.annotations.note).toBe('x');
    expect(JSON.parse(cr.metadata.annotations[METADATA_ANNOTATION] ?? '')).toEqual({ generateName: 'p' });
    const got = await store.get('IPPool', 'p1');
    expect(got.metadata).toMatchObject({ name: 'p1', generateName: 'p', annotations: { note: 'x' }, labels: { a: 'b' } });

    await store.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPAMConfiguration', metadata: { name: 'default' }, spec: { strictAffinity: false, autoAllocateBlocks: true } });
    expect(raw('ipamconfigs', 'default').kind).toBe('IPAMConfig');
    expect((await store.get('IPAMConfiguration', 'default')).kind).toBe('IPAMConfiguration');

    const affinity = { apiVersion: 'projectcalico.org/v3' as const, kind: 'BlockAffinity', metadata: { name: 'n1-10-0-0-0-26' }, spec: { state: 'confirmed', node: 'n1', cidr: '10.0.0.0/26', deleted: false } };
    await store.create(affinity);
    expect((raw('blockaffinities', 'n1-10-0-0-0-26') as { spec: { deleted: unknown } }).spec.deleted).toBe('false');
    expect((await store.get('BlockAffinity', 'n1-10-0-0-0-26')).spec).toEqual(affinity.spec);
  });

  it('keeps a caller-chosen uid and creationTimestamp through updates (restored backups)', async () => {
    const created = await store.create({ ...pool('p1'), metadata: { name: 'p1', uid: 'restored-uid', creationTimestamp: '2020-01-01T00:00:00Z' } });
    expect(created.metadata).toMatchObject({ uid: 'restored-uid', creationTimestamp: '2020-01-01T00:00:00Z' });
    const updated = await store.update({ ...created, metadata: { ...created.metadata, uid: 'other', creationTimestamp: '2021-01-01T00:00:00Z', labels: { x: 'y' } } });
    expect(updated.metadata).toMatchObject({ uid: 'restored-uid', creationTimestamp: '2020-01-01T00:00:00Z', labels: { x: 'y' } });
  });

  it('reports a resource the API server does not serve as Unavailable; Profile needs no CRD (it is the Namespace)', async () => {
    const bare = await startKubeFixture({ calicoCrds: false });
    const s = newStore(bare);
    try {
      const err = await s.list('IPPool').catch((e: unknown) => e);
      expect(isDatastoreError(err, DatastoreErrorCode.Unavailable)).toBe(true);
      expect((err as Error).message).toMatch(/CRDs installed/);
      expect((await s.get('Profile', 'kns.default')).metadata.name).toBe('kns.default');
    } finally {
      await s.close();
      await bare.close();
    }
  });

  it('watch survives clean and abrupt disconnects, resuming from the last revision without loss or repetition', async () => {
    const c = collector();
    const { revision } = await store.list('IPPool');
    watches.push(await store.watch('IPPool', { fromRevision: revision }, c.handler));
    await store.create(pool('a'));
    await c.waitFor(1);
    fx.endWatches('clean');
    await store.create(pool('b'));
    await until('the watch to reconnect', () => fx.activeWatches() === 1);
    fx.endWatches('abrupt');
    await store.create(pool('c'));
    await until('the watch to reconnect again', () => fx.activeWatches() === 1);
    await store.delete('IPPool', 'a');
    await c.waitFor(4);
    // A last write after the waits: if anything were repeated it would show up before it.
    await store.create(pool('sentinel'));
    await c.waitFor(5);
    expect(c.names()).toEqual(['added:a', 'added:b', 'added:c', 'deleted:a', 'added:sentinel']);
    expect(fx.requests.filter((r) => r.includes('watch=true')).length).toBeGreaterThanOrEqual(3);
  });

  it('re-lists with a resync when the history it must resume from was compacted while it was disconnected', async () => {
    const c = collector();
    await store.create(pool('a'));
    watches.push(await store.watch('IPPool', {}, c.handler));
    await c.waitFor(1);
    // The API server goes away for watches; meanwhile the state changes and the history is compacted.
    fx.setWatchesAvailable(false);
    fx.endWatches('abrupt');
    await store.create(pool('b'));
    await store.delete('IPPool', 'a');
    await store.create(pool('c'));
    fx.compact();
    await until('a refused reconnection attempt', () => fx.requests.filter((r) => r.includes('watch=true')).length >= 2);
    fx.setWatchesAvailable(true);
    // The reconnect from the old revision gets an ERROR event with 410 Gone, and the watch re-lists.
    await c.waitFor(2);
    await store.create(pool('d'));
    await c.waitFor(3);
    expect(c.names()).toEqual(['resync[a]', 'resync[b,c]', 'added:d']);
  });

  it('starting from a compacted revision re-lists (the list at that revision answers 410)', async () => {
    const c = collector();
    const { revision } = await store.list('IPPool');
    await store.create(pool('a'));
    await store.create(pool('b'));
    fx.compact();
    watches.push(await store.watch('IPPool', { fromRevision: revision }, c.handler));
    await store.create(pool('c'));
    await c.waitFor(2);
    expect(c.names()).toEqual(['resync[a,b]', 'added:c']);
  });

  it('advances the resume point on bookmarks', async () => {
    const c = collector();
    const { revision } = await store.list('IPPool');
    const w = await store.watch('IPPool', { fromRevision: revision }, c.handler);
    watches.push(w);
    // Writes to another kind move the global revision; bookmarks carry it to this watch.
    await store.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPAMHandle', metadata: { name: 'h1' }, spec: { handleID: 'h1', block: {} } });
    const target = fx.resourceVersion();
    const deadline = Date.now() + 15_000;
    while (!fx.requests.some((r) => r.includes(`resourceVersion=${target}`)) && Date.now() < deadline) {
      fx.endWatches('clean');
      await new Promise((r) => setTimeout(r, 150));
    }
    expect(fx.requests.some((r) => r.includes('watch=true') && r.includes(`resourceVersion=${target}`))).toBe(true);
    expect(c.events).toEqual([]);
  });

  it('maps Node to the Kubernetes Node and its projectcalico.org annotations', async () => {
    const k8sNodes = { group: '', version: 'v1', plural: 'nodes' };
    const api = new HttpKubeApi(endpointFromKubeconfig(fx.kubeconfig));
    try {
      await api.create(k8sNodes, {
        metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1' }, annotations: { [NODE_ANNOTATIONS.ipv4Address]: '192.0.2.10/24', other: 'kept' } },
        status: { addresses: [{ type: 'InternalIP', address: '192.0.2.10' }] },
      });
    } finally {
      api.close();
    }
    const node = await store.get('Node', 'node-1');
    expect(node.spec).toMatchObject({ bgp: { ipv4Address: '192.0.2.10/24' }, orchRefs: [{ nodeName: 'node-1', orchestrator: 'k8s' }] });
    expect(node.metadata.labels).toEqual({ 'kubernetes.io/hostname': 'node-1' });
    const updated = await store.update({
      ...node,
      metadata: { ...node.metadata, labels: { ...node.metadata.labels, 'route-reflector': 'true' } },
      spec: { ...(node.spec as object), bgp: { ipv4Address: '192.0.2.10/24', asNumber: 65010, ipv4IPIPTunnelAddr: '10.244.0.1', routeReflectorClusterID: '1.1.1.1' } },
    });
    expect(updated.spec).toMatchObject({ bgp: { asNumber: 65010, ipv4IPIPTunnelAddr: '10.244.0.1' } });
    const k8s = raw('nodes', 'node-1') as { metadata: { labels: Record<string, string>; annotations: Record<string, string> } };
    expect(k8s.metadata.labels).toEqual({ 'kubernetes.io/hostname': 'node-1' });
    expect(k8s.metadata.annotations).toMatchObject({
      other: 'kept',
      [NODE_ANNOTATIONS.asNumber]: '65010',
      [NODE_ANNOTATIONS.ipv4IPIPTunnelAddr]: '10.244.0.1',
      [NODE_ANNOTATIONS.routeReflectorClusterID]: '1.1.1.1',
      [NODE_ANNOTATIONS.labels]: JSON.stringify({ 'route-reflector': 'true' }),
    });
    // A stale write conflicts; the v3 labels still show both label sources.
    const stale = await store.update({ ...node, spec: {} }).catch((e: unknown) => e);
    expect(isDatastoreError(stale, DatastoreErrorCode.Conflict)).toBe(true);
    expect((await store.get('Node', 'node-1')).metadata.labels).toEqual({ 'kubernetes.io/hostname': 'node-1', 'route-reflector': 'true' });
  });

  it('derives WorkloadEndpoints from pods; create/delete write only the CNI annotations', async () => {
    const api = new HttpKubeApi(endpointFromKubeconfig(fx.kubeconfig));
    const pods = { group: '', version: 'v1', plural: 'pods', namespace: 'web' };
    try {
      // A host-network pod needs a namespace whose PodSecurity level allows it (the fixture enforces baseline).
      await api.create({ group: '', version: 'v1', plural: 'namespaces' }, { metadata: { name: 'web', labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } });
      await api.create(pods, {
        metadata: { name: 'front-end', labels: { app: 'web' } },
        spec: { nodeName: 'node-1', serviceAccountName: 'default', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] },
      });
      await api.create(pods, { metadata: { name: 'host-net' }, spec: { nodeName: 'node-1', hostNetwork: true }, status: { podIP: '192.0.2.10' } });
    } finally {
      api.close();
    }
    const name = workloadEndpointName('node-1', 'front-end');
    expect(name).toBe('node--1-k8s-front--end-eth0');
    // No address recorded yet: no endpoint.
    expect((await store.list('WorkloadEndpoint')).items).toEqual([]);
    const c = collector();
    watches.push(await store.watch('WorkloadEndpoint', { namespace: 'web' }, c.handler));
    const wep = {
      apiVersion: 'projectcalico.org/v3' as const,
      kind: 'WorkloadEndpoint',
      metadata: { name, namespace: 'web' },
      spec: { node: 'node-1', pod: 'front-end', endpoint: 'eth0', interfaceName: 'x', containerID: 'abc123', ipNetworks: ['10.244.0.5/32'] },
    };
    const created: StoredResource = await store.create(wep);
    expect(created.metadata.labels).toEqual({ app: 'web', 'projectcalico.org/namespace': 'web', 'projectcalico.org/orchestrator': 'k8s', 'projectcalico.org/serviceaccount': 'default' });
    expect(created.spec).toMatchObject({
      containerID: 'abc123',
      ipNetworks: ['10.244.0.5/32'],
      profiles: ['kns.web', 'ksa.web.default'],
      ports: [{ name: 'http', protocol: 'tcp', port: 8080 }],
    });
    expect((created.spec as { interfaceName: string }).interfaceName).toMatch(/^cali[0-9a-f]{11}$/);
    const again = await store.create(wep).catch((e: unknown) => e);
    expect(isDatastoreError(again, DatastoreErrorCode.AlreadyExists)).toBe(true);
    expect((await store.list('WorkloadEndpoint', { namespace: 'web' })).items.map((i) => i.metadata.name)).toEqual([name]);
    await store.delete('WorkloadEndpoint', name, 'web');
    const pod = raw('pods', 'front-end', 'web') as { metadata: { annotations?: Record<string, string> } };
    expect(pod.metadata.annotations ?? {}).toEqual({});
    await c.waitFor(3);
    expect(c.names()).toEqual(['resync[]', `added:${name}`, `deleted:${name}`]);
  });

  it('presents Namespaces and ServiceAccounts as Profiles kns.* and ksa.*, read-only, listed and watched as one kind', async () => {
    const api = new HttpKubeApi(endpointFromKubeconfig(fx.kubeconfig));
    const NS = { group: '', version: 'v1', plural: 'namespaces' };
    try {
      await api.create(NS, { metadata: { name: 'shop', labels: { team: 'red' } } });
      const listed = await store.list('Profile');
      expect(listed.revision).toMatch(/^\d+\/\d+$/);
      expect(listed.items.map((p) => p.metadata.name)).toEqual([
        'kns.default', 'kns.kube-node-lease', 'kns.kube-public', 'kns.kube-system', 'kns.shop',
        'ksa.default.default', 'ksa.kube-node-lease.default', 'ksa.kube-public.default', 'ksa.kube-system.default', 'ksa.shop.default',
      ]);
      const shop = await store.get('Profile', 'kns.shop');
      expect(shop.spec).toEqual({
        ingress: [{ action: 'Allow' }],
        egress: [{ action: 'Allow' }],
        labelsToApply: { 'pcns.team': 'red', 'pcns.kubernetes.io/metadata.name': 'shop', 'pcns.projectcalico.org/name': 'shop' },
      });
      expect((await store.get('Profile', 'ksa.shop.default')).spec).toEqual({ labelsToApply: { 'pcsa.projectcalico.org/name': 'default' } });
      const missing = await store.get('Profile', 'kns.nowhere').catch((e: unknown) => e);
      expect(isDatastoreError(missing, DatastoreErrorCode.NotFound)).toBe(true);
      const { resourceVersion: _pv, ...shopMeta } = shop.metadata;
      for (const attempt of [() => store.create({ ...shop, metadata: shopMeta }), () => store.update(shop), () => store.delete('Profile', 'kns.shop')]) {
        const err = await attempt().catch((e: unknown) => e);
        expect(isDatastoreError(err, DatastoreErrorCode.NotSupported)).toBe(true);
        expect((err as Error).message).toMatch(/view of a Kubernetes Namespace/);
      }
      const c = collector();
      watches.push(await store.watch('Profile', { fromRevision: listed.revision }, c.handler));
      const ns = await api.get(NS, 'shop');
      await api.replace(NS, 'shop', { ...ns, metadata: { ...ns.metadata, labels: { team: 'blue' } } });
      await api.create({ group: '', version: 'v1', plural: 'serviceaccounts', namespace: 'shop' }, { metadata: { name: 'robot', labels: { role: 'ci' } } });
      await api.delete(NS, 'shop');
      await c.waitFor(5);
      // The namespace's relabelling, the new account, then the namespace and (with it) its accounts going (two
      // collections, two streams: no order between them).
      expect(c.names().slice(0, 2)).toEqual(['modified:kns.shop', 'added:ksa.shop.robot']);
      expect(c.names().slice(2).sort()).toEqual(['deleted:kns.shop', 'deleted:ksa.shop.default', 'deleted:ksa.shop.robot']);
      expect((c.events[0] as { object: StoredResource }).object.spec).toMatchObject({ labelsToApply: { 'pcns.team': 'blue' } });
      expect((c.events[1] as { object: StoredResource }).object.spec).toEqual({ labelsToApply: { 'pcsa.role': 'ci', 'pcsa.projectcalico.org/name': 'robot' } });
      // Each event's revision is the composite one, resumable from.
      expect(c.events.every((e) => /^\d+\/\d+$/.test(e.revision))).toBe(true);
    } finally {
      api.close();
    }
  });

  it('presents Kubernetes NetworkPolicies as NetworkPolicies knp.default.*, beside Calico ones, refusing writes to them', async () => {
    const api = new HttpKubeApi(endpointFromKubeconfig(fx.kubeconfig));
    const NPS = { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', namespace: 'default' };
    try {
      await store.create({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'calico-own', namespace: 'default' }, spec: { selector: 'all()', types: ['Ingress'] } });
      const c = collector();
      watches.push(await store.watch('NetworkPolicy', {}, c.handler));
      await c.waitFor(1);
      await api.create(NPS, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny' }, spec: { podSelector: { matchLabels: { app: 'db' } }, egress: [{}] } });
      await c.waitFor(2);
      const knp = (c.events[1] as { object: StoredResource }).object;
      expect(knp.metadata).toMatchObject({ name: 'knp.default.deny', namespace: 'default' });
      // policyTypes defaulted by the API server (egress rules: Ingress and Egress), converted as Calico does.
      expect(knp.spec).toEqual({ tier: 'default', order: 1000, selector: "projectcalico.org/orchestrator == 'k8s' && app == 'db'", egress: [{ action: 'Allow' }], types: ['Ingress', 'Egress'] });
      const listed = await store.list('NetworkPolicy');
      expect(listed.items.map((p) => p.metadata.name)).toEqual(['calico-own', 'knp.default.deny']);
      expect(listed.revision).toMatch(/^\d+\/\d+$/);
      expect((await store.get('NetworkPolicy', 'knp.default.deny', 'default')).spec).toEqual(knp.spec);
      const { resourceVersion: _kv, ...knpMeta } = knp.metadata;
      for (const attempt of [() => store.create({ ...knp, metadata: knpMeta }), () => store.update(knp), () => store.delete('NetworkPolicy', 'knp.default.deny', 'default')]) {
        const err = await attempt().catch((e: unknown) => e);
        expect(isDatastoreError(err, DatastoreErrorCode.NotSupported)).toBe(true);
        expect((err as Error).message).toMatch(/change them with kubectl/);
      }
      // A Calico policy is still written as a custom resource.
      await store.delete('NetworkPolicy', 'calico-own', 'default');
      await api.delete(NPS, 'deny');
      await c.waitFor(4);
      expect(c.names()).toEqual(['resync[calico-own]', 'added:knp.default.deny', 'deleted:calico-own', 'deleted:knp.default.deny']);
      // After a compaction the kind re-lists as a whole: both sources' objects in one resync.
      await api.create(NPS, { metadata: { name: 'again' }, spec: { podSelector: {} } });
      await c.waitFor(5);
      fx.compact();
      fx.endWatches('abrupt');
      await store.create({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'later', namespace: 'default' }, spec: { selector: 'all()' } });
      await c.waitFor(6);
      expect(c.names().slice(5)).toEqual(['resync[knp.default.again,later]']);
    } finally {
      api.close();
    }
  });

  it('stores AdminNetworkPolicies as the policy.networking.k8s.io/v1alpha1 objects themselves, listed and watched', async () => {
    const api = new HttpKubeApi(endpointFromKubeconfig(fx.kubeconfig));
    const ANPS = { group: 'policy.networking.k8s.io', version: 'v1alpha1', plural: 'adminnetworkpolicies' };
    const anp = {
      apiVersion: 'policy.networking.k8s.io/v1alpha1',
      kind: 'AdminNetworkPolicy',
      metadata: { name: 'guard' },
      spec: { priority: 3, subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] },
    } as unknown as StoredResource;
    try {
      const c = collector();
      watches.push(await store.watch('AdminNetworkPolicy', {}, c.handler));
      await c.waitFor(1);
      // Written by gingham: the object itself, with nothing of Calico's on it.
      await store.create(anp);
      const stored = (await api.get(ANPS, 'guard')) as unknown as { apiVersion: string; metadata: { annotations?: unknown }; spec: unknown };
      expect(stored).toMatchObject({ apiVersion: 'policy.networking.k8s.io/v1alpha1', spec: anp.spec });
      expect(stored.metadata.annotations).toBeUndefined();
      // Written with kubectl: read back as the same kind.
      await api.create(ANPS, { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name: 'other' }, spec: { priority: 9, subject: { namespaces: {} } } });
      await c.waitFor(3);
      const got = await store.get('AdminNetworkPolicy', 'other');
      expect(got).toMatchObject({ apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', spec: { priority: 9 } });
      expect((await store.list('AdminNetworkPolicy')).items.map((p) => p.metadata.name)).toEqual(['guard', 'other']);
      await store.delete('AdminNetworkPolicy', 'guard');
      await c.waitFor(4);
      expect(c.names()).toEqual(['resync[]', 'added:guard', 'added:other', 'deleted:guard']);
    } finally {
      api.close();
    }
  });
});
