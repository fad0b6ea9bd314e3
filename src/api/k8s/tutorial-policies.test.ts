// The tutorial's Kubernetes NetworkPolicies (src/api/testdata/tutorial/05..10, indentation restored from the
// transcript) decode strictly as the API server would, and convert as Calico's kube-controllers convert them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ValidationError } from '../errors';
import { k8sNetworkPolicyToCalico } from './conversion';
import { decodeK8sNetworkPolicy, defaultK8sNetworkPolicy } from './network-policy';

const TUTORIAL = path.join(__dirname, '..', 'testdata', 'tutorial');
const load = (file: string): unknown => parse(readFileSync(path.join(TUTORIAL, file), 'utf8')) as unknown;
const convert = (file: string): ReturnType<typeof k8sNetworkPolicyToCalico> => k8sNetworkPolicyToCalico(defaultK8sNetworkPolicy(decodeK8sNetworkPolicy(load(file))));

describe('the tutorial NetworkPolicies', () => {
  it.each(['05-calico-networkpolicy-denyall.yaml', '06-calico-networkpolicy-denyall.yaml', '08-calico-networkpolicy-denyall.yaml', '09-calico-networkpolicy-egress.yaml', '10-calico-networkpolicy-ingress.yaml'])(
    '%s decodes strictly and converts to knp.default.<name> in develop',
    (file) => {
      const np = convert(file);
      expect(np.metadata.namespace).toBe('develop');
      expect(np.metadata.name).toMatch(/^knp\.default\./);
    },
  );

  it('08: ingress on TCP 80 from the ipBlock (with its except) or from run=pod-test1; egress to develop pods', () => {
    const np = convert('08-calico-networkpolicy-denyall.yaml');
    expect(np.spec?.types).toEqual(['Ingress', 'Egress']);
    expect(np.spec?.ingress).toEqual([
      { action: 'Allow', protocol: 'TCP', source: { nets: ['10.244.0.0/16'], notNets: ['10.244.6.0/24'] }, destination: { ports: [80] } },
      { action: 'Allow', protocol: 'TCP', source: { selector: "projectcalico.org/orchestrator == 'k8s' && run == 'pod-test1'" }, destination: { ports: [80] } },
    ]);
    expect(np.spec?.egress).toEqual([{ action: 'Allow', destination: { selector: "projectcalico.org/orchestrator == 'k8s'" } }]);
  });

  it("08 as the transcript prints it (ports at the spec's level) is refused: ports belongs to the ingress rule", () => {
    const raw = load('08-calico-networkpolicy-denyall.yaml') as { spec: { ingress: Array<{ ports?: unknown }>; ports?: unknown } };
    raw.spec.ports = raw.spec.ingress[0]!.ports;
    delete raw.spec.ingress[0]!.ports;
    expect(() => decodeK8sNetworkPolicy(raw)).toThrow(ValidationError);
  });

  it('09: UDP 53 to anywhere (`to:` empty) and TCP 80 to run=pod-test1, for run=pod-test1 only', () => {
    const np = convert('09-calico-networkpolicy-egress.yaml');
    expect(np.spec?.selector).toBe("projectcalico.org/orchestrator == 'k8s' && run == 'pod-test1'");
    expect(np.spec?.types).toEqual(['Egress']);
    expect(np.spec?.egress).toEqual([
      { action: 'Allow', protocol: 'UDP', destination: { ports: [53] } },
      { action: 'Allow', protocol: 'TCP', destination: { selector: "projectcalico.org/orchestrator == 'k8s' && run == 'pod-test1'", ports: [80] } },
    ]);
  });

  it('10: ingress from namespaces In [develop, kube-system, logs] or NotIn [default]', () => {
    const np = convert('10-calico-networkpolicy-ingress.yaml');
    expect(np.spec?.types).toEqual(['Ingress']);
    expect(np.spec?.ingress).toEqual([
      { action: 'Allow', source: { namespaceSelector: "kubernetes.io/metadata.name in { 'develop', 'kube-system', 'logs' }", selector: "projectcalico.org/orchestrator == 'k8s'" } },
      { action: 'Allow', source: { namespaceSelector: "kubernetes.io/metadata.name not in { 'default' }", selector: "projectcalico.org/orchestrator == 'k8s'" } },
    ]);
  });
});
