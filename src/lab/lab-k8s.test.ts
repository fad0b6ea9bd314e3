import { ValidationError } from '../api/errors';
import { allocateClusterIP, calicoObjects, decodeLabObject, deploymentPods, emptyCluster, podTemplateHash, safeEncode, servedPorts, targetPortOn, withSystemNamespaces, type LabDeployment, type LabService } from './lab-k8s';

const deployment = (replicas = 3): LabDeployment =>
  decodeLabObject({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'pod-deployment', namespace: 'develop' },
    spec: { replicas, selector: { matchLabels: { app: 'pod-deployment' } }, template: { metadata: { labels: { app: 'pod-deployment' } }, spec: { containers: [{ name: 'pod-test', image: 'x' }] } } },
  }) as LabDeployment;

const seq = (...xs: number[]): (() => number) => {
  let i = 0;
  return () => xs[i++ % xs.length]!;
};

describe('the lab as an API server: decoding, ReplicaSet names, ClusterIPs', () => {
  it('names Deployment pods <deploy>-<hash>-<5 chars> with pod-template-hash, spread over the nodes', () => {
    const d = deployment();
    const hash = podTemplateHash(d);
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    // SafeEncodeString of the decimal FNV-32a: digits 0-5 map to 4-9, 6-9 to b, c, d, f (as 554dff674 in the tutorial).
    expect(safeEncode('0123456789')).toBe('456789bcdf');
    const pods = deploymentPods(d, [], {}, ['master1', 'node1'], seq(0, 0.5, 0.99));
    expect(pods.map((p) => p.metadata.name)).toEqual([`pod-deployment-${hash}-br9br`, `pod-deployment-${hash}-9br9b`, `pod-deployment-${hash}-r9br9`]);
    expect(pods.map((p) => p.spec.nodeName)).toEqual(['master1', 'node1', 'master1']);
    expect(pods[0]!.metadata.labels).toEqual({ app: 'pod-deployment', 'pod-template-hash': hash });
    // Scaling down keeps pods of the current template; the same template gives the same hash.
    expect(deploymentPods(deployment(2), pods, {}, ['master1', 'node1'], seq(0)).map((p) => p.metadata.name)).toEqual(pods.slice(0, 2).map((p) => p.metadata.name));
  });

  it('defaults and refuses as the API server: namespace label, policy types, fields named', () => {
    const ns = decodeLabObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'develop' } });
    expect(ns.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'develop' });
    const np = decodeLabObject({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: 'develop' }, spec: { podSelector: {}, egress: [{}] } });
    expect((np as { spec: { policyTypes: string[] } }).spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(() => decodeLabObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 70000 }] } })).toThrow(ValidationError);
    expect(() => decodeLabObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 70000 }] } })).toThrow(/spec\.ports\[0\]\.port/);
    expect(() => decodeLabObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { clusterIP: '10.0.0.5', ports: [{ port: 80 }] } })).toThrow(/spec\.clusterIP: must be an address in 10\.96\.0\.0\/12/);
    expect(() => decodeLabObject({ ...deployment(), spec: { ...deployment().spec, template: { metadata: { labels: { app: 'other' } }, spec: deployment().spec.template.spec } } })).toThrow(/spec\.template\.metadata\.labels: must match spec\.selector/);
  });

  it('allocates ClusterIPs: spec.clusterIP honoured, conflicts refused, a stable free address otherwise', () => {
    const svc = (name: string, clusterIP?: string): LabService => decodeLabObject({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'develop' }, spec: { ...(clusterIP ? { clusterIP } : {}), ports: [{ port: 80 }] } }) as LabService;
    expect(allocateClusterIP(svc('a', '10.96.80.213'), new Map())).toBe('10.96.80.213');
    expect(() => allocateClusterIP(svc('a', '10.96.80.213'), new Map([['10.96.80.213', 'develop/b']]))).toThrow(/already allocated to develop\/b/);
    const ip = allocateClusterIP(svc('c'), new Map());
    expect(ip).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    expect(allocateClusterIP(svc('c'), new Map())).toBe(ip);
    expect(allocateClusterIP(svc('c'), new Map([[ip, 'develop/x']]))).not.toBe(ip);
  });

  it('resolves named target ports, serves TCP 80 by default, and writes what kube-controllers write', () => {
    const pod = decodeLabObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', ports: [{ name: 'dns', containerPort: 5353, protocol: 'UDP' }] }] } }) as Parameters<typeof servedPorts>[0];
    expect(targetPortOn({ protocol: 'UDP', port: 53, targetPort: 'dns' }, pod)).toBe(5353);
    expect(targetPortOn({ protocol: 'TCP', port: 53, targetPort: 'dns' }, pod)).toBeUndefined();
    expect(servedPorts(pod)).toEqual([{ port: 5353, protocol: 'UDP' }]);
    expect(servedPorts({ spec: { containers: [{ name: 'c' }] } })).toEqual([{ port: 80, protocol: 'TCP' }]);
    const c = { ...emptyCluster(), namespaces: { develop: decodeLabObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'develop', labels: { team: 'a' } } }) as never } };
    const objs = calicoObjects(c) as Array<{ kind: string; metadata: { name: string }; spec: { labelsToApply?: Record<string, string> } }>;
    expect(objs.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual(['Profile kns.develop', 'Profile ksa.develop.default']);
    expect(objs[0]!.spec.labelsToApply).toMatchObject({ 'pcns.team': 'a', 'pcns.kubernetes.io/metadata.name': 'develop' });
  });

  it("writes a profile for every namespace, the system ones included, and for every service account a pod names", () => {
    const pod = decodeLabObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'kube-system' }, spec: { serviceAccountName: 'coredns', containers: [{ name: 'c' }] } }) as never;
    const c = { ...withSystemNamespaces(emptyCluster()), pods: { 'kube-system/p': pod } };
    const names = (calicoObjects(c) as Array<{ metadata: { name: string } }>).map((o) => o.metadata.name);
    expect(names).toEqual([
      'kns.default',
      'kns.kube-system',
      'kns.kube-public',
      'kns.kube-node-lease',
      'ksa.default.default',
      'ksa.kube-system.default',
      'ksa.kube-public.default',
      'ksa.kube-node-lease.default',
      'ksa.kube-system.coredns',
    ]);
    // A namespace the cluster already has keeps its labels.
    const labelled = { ...emptyCluster(), namespaces: { default: decodeLabObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', labels: { env: 'lab' } } }) as never } };
    expect(withSystemNamespaces(labelled).namespaces.default!.metadata.labels).toMatchObject({ env: 'lab' });
  });
});
