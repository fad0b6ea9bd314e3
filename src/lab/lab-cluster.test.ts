import { parseResources } from '../api/parse';
import { applyObjects, deleteObjects, manifestText, relabel, serviceRules, splitManifests, stopPodProcesses } from './lab-cluster';
import type { LabSys } from './lab-sys';
import { calicoObjects, decodeLabObject, emptyCluster, implicitNamespace, type LabCluster } from './lab-k8s';

const nodes = ['master1', 'node1'];
const docs = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'develop' } },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'develop' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] } } },
  },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'develop' }, spec: { clusterIP: '10.96.80.213', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] } },
  { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'g' }, spec: {} },
];

describe('the lab cluster: apply, delete, label, service endpoints', () => {
  const base: LabCluster = { ...emptyCluster(), namespaces: { default: implicitNamespace('default') } };
  let n = 0;
  const random = (): number => (n++ % 27) / 27;

  it('splits a manifest, creates a Deployment with its pods, and points the service at the pods with addresses', () => {
    const { k8s, calico } = splitManifests(docs);
    expect(calico).toEqual([docs[3]]);
    const c = applyObjects(base, k8s, nodes, random);
    const pods = Object.values(c.pods);
    expect(pods.map((p) => p.spec.nodeName).sort()).toEqual(['master1', 'node1']);
    const [a, b] = pods;
    const rules = serviceRules(c, { pods: [{ name: a!.metadata.name, node: 'master1', namespace: 'x', k8sNamespace: 'develop', ip: '10.244.1.2' }, { name: b!.metadata.name, node: 'node1', namespace: 'y', k8sNamespace: 'develop' }], clusterIPs: { 'develop/web': '10.96.80.213' } });
    expect(rules).toEqual([{ service: 'develop/web', clusterIP: '10.96.80.213', protocol: 'tcp', port: 80, endpoints: [{ ip: '10.244.1.2', port: 8080 }] }]);
    // Re-applying the same Deployment keeps its pods.
    expect(Object.keys(applyObjects(c, k8s, nodes, random).pods)).toEqual(Object.keys(c.pods));
  });

  it('refuses objects in a namespace that does not exist, as the API server does', () => {
    const { k8s } = splitManifests([docs[2]]);
    expect(() => applyObjects(base, k8s, nodes, random)).toThrow(/Service develop\/web: namespaces "develop" not found/);
    const pod = decodeLabObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { nodeName: 'node9', containers: [{ name: 'c' }] } });
    expect(() => applyObjects(base, [pod], nodes, random)).toThrow(/spec\.nodeName: "node9" is not a lab node/);
  });

  it('relabels pods and namespaces (k=v, k-), keeping kubernetes.io/metadata.name; deletes a namespace with what is in it', () => {
    const c = applyObjects(base, splitManifests(docs).k8s, nodes, random);
    const key = Object.keys(c.pods)[0]!;
    const [ns, name] = key.split('/') as [string, string];
    const r = relabel(c, 'pod', ns, name, ['app-', 'tier=web']);
    expect(r.pods[key]!.metadata.labels).toMatchObject({ tier: 'web' });
    expect(r.pods[key]!.metadata.labels?.app).toBeUndefined();
    const n2 = relabel(c, 'namespace', '', 'develop', ['team=a', 'kubernetes.io/metadata.name-']);
    expect(n2.namespaces.develop!.metadata.labels).toEqual({ team: 'a', 'kubernetes.io/metadata.name': 'develop' });
    expect(() => relabel(c, 'pod', 'develop', 'nope', ['a=b'])).toThrow(/pods "nope" not found in namespace develop/);
    expect(() => relabel(c, 'pod', ns, name, ['=b'])).toThrow(/label "=b": must be key=value or key-/);
    const d = deleteObjects(c, splitManifests([docs[0]]).k8s);
    expect(d.cluster.pods).toEqual({});
    expect(d.cluster.services).toEqual({});
    expect(d.missing).toEqual([]);
    expect(deleteObjects(d.cluster, splitManifests([docs[2]]).k8s).missing).toEqual(['Service develop/web']);
    // The whole file at once (namespace first in it): everything deleted, nothing reported missing.
    const all = deleteObjects(c, splitManifests(docs).k8s);
    expect(all.missing).toEqual([]);
    expect(all.cluster.namespaces.develop).toBeUndefined();
    for (const name of ['default', 'kube-system', 'kube-public']) {
      expect(() => deleteObjects(c, splitManifests([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }]).k8s)).toThrow(`namespaces "${name}" is forbidden: this namespace may not be deleted`);
    }
  });

  it("hands gingham the namespace profiles with their label values intact (a namespace labelled ns: y is not ns: true)", () => {
    // The upstream x/y/z fixture: namespace y labelled ns=y. Read back by gingham's YAML 1.1 reader.
    const y = decodeLabObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'y', labels: { ns: 'y', on: 'yes' } } });
    const c = { ...emptyCluster(), namespaces: { y: y as never } };
    const read = parseResources(manifestText(calicoObjects(c)), 'stdin').map((r) => r.resource as unknown as { metadata: { name: string }; spec: { labelsToApply?: Record<string, string> } });
    expect(read.map((r) => r.metadata.name)).toEqual(['kns.y', 'ksa.y.default']);
    expect(read[0]!.spec.labelsToApply).toMatchObject({ 'pcns.ns': 'y', 'pcns.on': 'yes', 'pcns.kubernetes.io/metadata.name': 'y' });
  });

  it("stops a deleted pod's processes found inside its namespace, never a recorded PID that may be reused", async () => {
    // The pod's server (recorded as PID 7) ended long ago and 7 is someone else's now; 41 and 42 run in the pod.
    const live = new Set([7, 41, 42]);
    const killed: number[] = [];
    const sys: LabSys = {
      run: (_cmd, args) => ({ status: 0, stdout: args[1] === 'pids' && args[2] === 'glab-x.a' ? '41\n42\n' : '', stderr: '' }),
      spawnDetached: () => 0,
      alive: (pid) => live.has(pid),
      kill: (pid) => {
        killed.push(pid);
        live.delete(pid);
      },
      sleep: async () => undefined,
    };
    expect(await stopPodProcesses(sys, { namespace: 'glab-x.a' })).toEqual([41, 42]);
    expect(killed).toEqual([41, 42]);
    expect(live.has(7)).toBe(true);
  });
});
