import { convertUid } from '../../api/k8s';
import type { KubeObject } from './kube-api';
import { isKubernetesPolicyName, kubernetesPolicyName, networkPolicyFromKubernetes, parseProfileName, profileFromNamespace, profileFromServiceAccount } from './convert-k8s-policy';

const UID = '30316465-6365-4463-ad63-3564622d3638';

describe('Kubernetes objects as Calico views (as the API server returns them)', () => {
  it('a NetworkPolicy becomes knp.default.<name>, reading only what the conversion needs from the server object', () => {
    const server: KubeObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'db', namespace: 'shop', uid: UID, resourceVersion: '42', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z', managedFields: [{ manager: 'kubectl' }] },
      spec: { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 5432 }] }], policyTypes: ['Ingress'] },
    };
    expect(networkPolicyFromKubernetes(server)).toEqual({
      apiVersion: 'projectcalico.org/v3',
      kind: 'NetworkPolicy',
      metadata: { name: 'knp.default.db', namespace: 'shop', uid: convertUid(UID), resourceVersion: '42', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: {
        tier: 'default',
        order: 1000,
        selector: "projectcalico.org/orchestrator == 'k8s' && app == 'db'",
        ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "projectcalico.org/orchestrator == 'k8s'" }, destination: { ports: [5432] } }],
        types: ['Ingress'],
      },
    });
  });

  it('an object the conversion cannot read has no view (Calico skips it)', () => {
    const bad: KubeObject = { metadata: { name: 'x', namespace: 'shop', uid: 'not-a-uuid' }, spec: { podSelector: {} } };
    expect(networkPolicyFromKubernetes(bad)).toBeUndefined();
  });

  it('namespaces and service accounts become profiles whose resourceVersion is their half of "<nsRev>/<saRev>"', () => {
    const p = profileFromNamespace({ metadata: { name: 'shop', uid: UID, resourceVersion: '7', labels: { team: 'red' } }, status: { phase: 'Active' } });
    expect(p?.metadata).toEqual({ name: 'kns.shop', uid: convertUid(UID), resourceVersion: '7/' });
    expect(p?.spec).toEqual({ ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }], labelsToApply: { 'pcns.team': 'red', 'pcns.projectcalico.org/name': 'shop' } });
    const s = profileFromServiceAccount({ metadata: { name: 'robot', namespace: 'shop', uid: UID, resourceVersion: '9' }, secrets: [{ name: 'tok' }] });
    expect(s?.metadata).toEqual({ name: 'ksa.shop.robot', uid: convertUid(UID), resourceVersion: '/9' });
    expect(s?.spec).toEqual({ labelsToApply: { 'pcsa.projectcalico.org/name': 'robot' } });
  });

  it.each<[string, ReturnType<typeof parseProfileName>]>([
    ['kns.shop', { namespace: 'shop' }],
    ['ksa.shop.robot', { namespace: 'shop', serviceAccount: 'robot' }],
    ['ksa.shop.robot.v2', { namespace: 'shop', serviceAccount: 'robot.v2' }],
    ['ksa.shop', undefined],
    ['kns.', undefined],
    ['projectcalico-default-allow', undefined],
  ])('profile name %s stands for %j', (name, want) => {
    expect(parseProfileName(name)).toEqual(want);
  });

  it('knp.default.* names are the Kubernetes policies', () => {
    expect(isKubernetesPolicyName('knp.default.db')).toBe(true);
    expect(isKubernetesPolicyName('default.db')).toBe(false);
    expect(kubernetesPolicyName('knp.default.db')).toBe('db');
  });
});
