import type { KubeObject } from './kube-api';
import { workloadEndpointFromPod, workloadEndpointName } from './convert-workload';

function pod(extra: { spec?: Record<string, unknown>; annotations?: Record<string, string>; status?: Record<string, unknown> } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'front-end', namespace: 'web', uid: 'u1', resourceVersion: '5', labels: { app: 'web' }, annotations: { 'cni.projectcalico.org/podIP': '10.0.0.5/32', ...(extra.annotations ?? {}) } },
    spec: {
      nodeName: 'node-1',
      serviceAccountName: 'robot',
      containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 9090 }, { containerPort: 53, name: 'dns', protocol: 'UDP' }] }],
      initContainers: [{ name: 'i', ports: [{ containerPort: 7000, hostPort: 17000, protocol: 'SCTP' }] }],
      ...(extra.spec ?? {}),
    },
    status: { phase: 'Running', ...(extra.status ?? {}) },
  };
}

describe('a pod as its WorkloadEndpoint (the one conversion of api/k8s)', () => {
  it('labels, profiles and named ports as Calico derives them', () => {
    const wep = workloadEndpointFromPod(pod());
    expect(wep?.metadata).toEqual({
      name: 'node--1-k8s-front--end-eth0',
      namespace: 'web',
      labels: { app: 'web', 'projectcalico.org/namespace': 'web', 'projectcalico.org/orchestrator': 'k8s', 'projectcalico.org/serviceaccount': 'robot' },
      resourceVersion: '5',
      uid: 'u1',
    });
    expect(wep?.spec).toMatchObject({
      node: 'node-1',
      pod: 'front-end',
      serviceAccountName: 'robot',
      ipNetworks: ['10.0.0.5/32'],
      profiles: ['kns.web', 'ksa.web.robot'],
      // Named ports and hostPorts only, init containers' too, protocols as numorstring stores them.
      ports: [
        { name: 'http', protocol: 'tcp', port: 8080 },
        { name: 'dns', protocol: 'udp', port: 53 },
        { name: '', protocol: 'sctp', port: 7000, hostPort: 17000 },
      ],
    });
  });

  it('a service account name of 63 characters or more gets no label (Calico keeps label values valid), but its profile', () => {
    const long = 'a'.repeat(63);
    const wep = workloadEndpointFromPod(pod({ spec: { serviceAccountName: long } }));
    expect(wep?.metadata.labels).not.toHaveProperty('projectcalico.org/serviceaccount');
    expect(wep?.spec?.profiles).toEqual(['kns.web', `ksa.web.${long}`]);
  });

  it.each<[string, Parameters<typeof pod>[0]]>([
    ['host-networked', { spec: { hostNetwork: true } }],
    ['finished', { status: { phase: 'Succeeded' } }],
    ['not scheduled', { spec: { nodeName: '' } }],
    ['without an address', { annotations: { 'cni.projectcalico.org/podIP': '' } }],
  ])('a %s pod has no endpoint', (_n, extra) => {
    expect(workloadEndpointFromPod(pod(extra))).toBeUndefined();
  });

  it('names endpoints as libcalico-go names/workloadendpoint.go does', () => {
    expect(workloadEndpointName('node-1', 'front-end')).toBe('node--1-k8s-front--end-eth0');
  });
});
