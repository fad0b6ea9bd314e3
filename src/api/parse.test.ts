import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManifestError } from './errors';
import type { BGPPeer } from './kind-bgp-peer';
import type { CalicoNode } from './kind-node';
import { parseResources, toJson, toJsonList, toYaml, toYamlList } from './parse';
import { applyDefaults, validateResource, type Resource } from './resource';
import { compileSelector } from './selector';

const TUTORIAL = join(__dirname, 'testdata', 'tutorial');
const read = (file: string): string => readFileSync(join(TUTORIAL, file), 'utf8');

/** The single resource a text holds (fails the test otherwise). */
function only<R extends Resource = Resource>(text: string, source = 'test.yaml'): R {
  const parsed = parseResources(text, source);
  expect(parsed).toHaveLength(1);
  return parsed[0]!.resource as R;
}

function manifestError(fn: () => unknown): ManifestError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ManifestError) return err;
    throw err;
  }
  throw new Error('expected a ManifestError');
}

describe('tutorial manifests', () => {
  const files = readdirSync(TUTORIAL).filter((f) => f.endsWith('.yaml'));
  // The tutorial's Kubernetes objects (Namespace, Deployment, Service, NetworkPolicy) are applied with kubectl.
  const calicoFiles = files.filter((f) => !/^apiVersion: (v1|apps\/v1|networking\.k8s\.io\/v1)\s*$/m.test(read(f)));

  it('finds the fixtures (a glob that matches nothing must not pass silently)', () => {
    expect(calicoFiles.length).toBeGreaterThanOrEqual(6);
  });

  it.each(calicoFiles)('%s parses, defaults and validates unchanged', (file) => {
    const parsed = parseResources(read(file), file);
    expect(parsed).toHaveLength(1);
    const [only] = parsed;
    expect(only?.doc).toBe(1);
    expect(() => validateResource(applyDefaults(only!.resource))).not.toThrow();
  });

  it('route-reflector Node: boolean label becomes "true", cluster ID kept', () => {
    const resource = only<CalicoNode>(read('01-calico-reflector-master.yaml'));
    expect(resource.metadata).toEqual({ name: 'master1', labels: { 'route-reflector': 'true' } });
    expect(resource.spec?.bgp).toEqual({ ipv4Address: '10.0.0.12/16', ipv4IPIPTunnelAddr: '10.244.0.1', routeReflectorClusterID: '1.1.1.1' });
  });

  it('BGPPeer selectors select the route reflector and every node', () => {
    const node = only<CalicoNode>(read('01-calico-reflector-master.yaml'));
    const peer = only<BGPPeer>(read('02-calico-reflector-bgppeer.yaml'));
    const labels = node.metadata.labels ?? {};
    expect(compileSelector(peer.spec?.peerSelector ?? '').matches(labels)).toBe(true);
    expect(compileSelector(peer.spec?.nodeSelector ?? '').matches({})).toBe(true);
    expect(compileSelector(peer.spec?.peerSelector ?? '').matches({ 'route-reflector': 'false' })).toBe(false);
    expect(compileSelector("route-reflector == 'true'").matches(labels)).toBe(true);
  });

  it('BGPConfiguration default turns the mesh off with AS 63400', () => {
    const resource = only(read('03-calico-reflector-defaultconfig.yaml'));
    expect(resource.spec).toEqual({ logSeverityScreen: 'Info', nodeToNodeMeshEnabled: false, asNumber: 63400 });
  });

  it('CrossSubnet pool keeps its block size 24 and gains the stored defaults', () => {
    const resource = only(read('default-ipv4-ippool.yaml'));
    expect(applyDefaults(resource).spec).toEqual({
      blockSize: 24,
      cidr: '10.244.0.0/16',
      ipipMode: 'CrossSubnet',
      natOutgoing: true,
      nodeSelector: 'all()',
      vxlanMode: 'Never',
      allowedUses: ['Workload', 'Tunnel'],
    });
  });

  it('prints the pool exactly as `calicoctl get ippools -o yaml` did', () => {
    const text = read('get-default-ipv4-ippool.yaml');
    const resource = only(text);
    expect(toYaml(resource)).toBe(text);
  });

  it('accepts the crd.projectcalico.org/v1 GlobalNetworkPolicy the tutorial applies with kubectl', () => {
    const [parsed] = parseResources(read('11-calico-networkpolicy-global.yaml'), 'gnp.yaml');
    expect(parsed?.convertedFrom).toBe('crd.projectcalico.org/v1');
    expect(parsed?.resource.apiVersion).toBe('projectcalico.org/v3');
    expect(parsed?.resource.spec).toMatchObject({ order: 0, types: ['Ingress', 'Egress'] });
    const nsSel = compileSelector((parsed?.resource.spec as { namespaceSelector: string }).namespaceSelector);
    expect(nsSel.matches({ name: 'kube-system' })).toBe(false);
    expect(nsSel.matches({ name: 'develop' })).toBe(true);
  });

  it('refuses the Kubernetes NetworkPolicy with a message naming file, document and apiVersion', () => {
    const err = manifestError(() => parseResources(read('06-calico-networkpolicy-denyall.yaml'), '06-calico-networkpolicy-denyall.yaml'));
    expect(err.code).toBe('BadManifest');
    expect(err.message).toBe(
      '06-calico-networkpolicy-denyall.yaml: document 1: apiVersion "networking.k8s.io/v1" is not supported (expected projectcalico.org/v3); a networking.k8s.io/v1 NetworkPolicy is a Kubernetes resource: apply it with kubectl',
    );
  });

  it.each(calicoFiles)('%s survives toYaml and toJson round trips', (file) => {
    const res = only(read(file), file);
    expect(parseResources(toYaml(res), 'y')[0]?.resource).toEqual(res);
    expect(parseResources(toJson(res), 'j')[0]?.resource).toEqual(res);
  });
});

describe('parseResources documents and lists', () => {
  const pool = (name: string, cidr: string): string => `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: ${name}\nspec:\n  cidr: ${cidr}\n`;

  it('numbers documents from 1 (a leading "---" opens the first) and skips empty ones', () => {
    const text = `---\n${pool('a', '10.1.0.0/16')}---\n---\n${pool('b', '10.2.0.0/16')}---\n`;
    const out = parseResources(text, 'x.yaml');
    expect(out.map((r) => [r.doc, r.resource.metadata.name])).toEqual([
      [1, 'a'],
      [3, 'b'],
    ]);
  });

  it('reads kind: List, <Kind>List (items may omit kind) and top-level sequences', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n- apiVersion: projectcalico.org/v3\n  kind: IPPool\n  metadata: {name: a}\n  spec: {cidr: 10.1.0.0/16}\n- apiVersion: projectcalico.org/v3\n  kind: BGPPeer\n  metadata: {name: p}\n  spec: {peerIP: 10.0.0.1, asNumber: 64512}\n`;
    const typed = `apiVersion: projectcalico.org/v3\nkind: IPPoolList\nmetadata: {resourceVersion: "9"}\nitems:\n- metadata: {name: c}\n  spec: {cidr: 10.3.0.0/16}\n`;
    const seq = `- ${pool('d', '10.4.0.0/16').replace(/\n(?=.)/g, '\n  ')}`;
    const out = parseResources(`${list}---\n${typed}---\n${seq}`, 'l.yaml');
    expect(out.map((r) => [r.doc, r.item, r.resource.kind, r.resource.metadata.name])).toEqual([
      [1, 0, 'IPPool', 'a'],
      [1, 1, 'BGPPeer', 'p'],
      [2, 0, 'IPPool', 'c'],
      [3, 0, 'IPPool', 'd'],
    ]);
  });

  it('reads JSON, as calicoctl does', () => {
    const out = parseResources('{"kind":"IPPool","apiVersion":"projectcalico.org/v3","metadata":{"name":"j"},"spec":{"cidr":"10.9.0.0/16"}}', 'p.json');
    expect(out[0]?.resource.metadata.name).toBe('j');
  });

  it('reads YAML 1.1 booleans as Go does (yes -> true)', () => {
    const out = parseResources(`${pool('a', '10.1.0.0/16')}  natOutgoing: yes\n`, 'x');
    expect(out[0]?.resource.spec).toEqual({ cidr: '10.1.0.0/16', natOutgoing: true });
  });

  it('does not read base-60 numbers or timestamps (Go yaml.v2 has neither)', () => {
    const text = `apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata:\n  name: default\n  creationTimestamp: 2021-10-09T03:55:36Z\nspec:\n  communities:\n  - name: c\n    value: 63400:10\n`;
    const [parsed] = parseResources(text, 'x');
    expect(parsed?.resource.metadata.creationTimestamp).toBe('2021-10-09T03:55:36Z');
    expect(parsed?.resource.spec).toEqual({ communities: [{ name: 'c', value: '63400:10' }] });
  });

  it('converts v1 CRD forms: IPAMConfig kind and string deleted', () => {
    const text = `apiVersion: crd.projectcalico.org/v1\nkind: IPAMConfig\nmetadata: {name: default}\nspec: {strictAffinity: false, autoAllocateBlocks: true}\n---\napiVersion: crd.projectcalico.org/v1\nkind: BlockAffinity\nmetadata: {name: n-10-0-0-0-26}\nspec: {state: confirmed, node: n, cidr: 10.0.0.0/26, deleted: "false"}\n`;
    const out = parseResources(text, 'crd.yaml');
    expect(out.map((r) => r.resource.kind)).toEqual(['IPAMConfiguration', 'BlockAffinity']);
    expect(out[1]?.resource.spec).toMatchObject({ deleted: false });
  });

  const errors: Array<{ name: string; text: string; want: string }> = [
    { name: 'broken YAML', text: 'kind: IPPool\n  bad: [\n', want: 'e.yaml: document 1: invalid YAML at line 1, column 7: Nested mappings are not allowed in compact mappings' },
    { name: 'duplicate key', text: `${pool('a', '10.1.0.0/16')}kind: IPPool\n`, want: 'e.yaml: document 1: invalid YAML at line 7, column 1: Map keys must be unique' },
    { name: 'unknown kind', text: 'apiVersion: projectcalico.org/v3\nkind: Pool\nmetadata: {name: a}\n', want: 'e.yaml: document 1: Pool a: kind: unknown kind "Pool" (did you mean IPPool?)' },
    { name: 'missing apiVersion', text: 'kind: IPPool\nmetadata: {name: a}\n', want: 'e.yaml: document 1: no apiVersion is not supported (expected projectcalico.org/v3)' },
    { name: 'misspelt field in document 2', text: `${pool('a', '10.1.0.0/16')}---\n${pool('b', '10.2.0.0/16')}  blockSzie: 26\n`, want: 'e.yaml: document 2: IPPool b: spec.blockSzie: unknown field (did you mean blockSize?)' },
    { name: 'bad list item', text: 'kind: IPPoolList\napiVersion: projectcalico.org/v3\nitems:\n- metadata: {name: a}\n- 7\n', want: 'e.yaml: document 1: item 1: a resource must be a mapping' },
    { name: 'unknown list kind', text: 'kind: PoolList\napiVersion: projectcalico.org/v3\nitems: []\n', want: 'e.yaml: document 1: unknown kind "PoolList"' },
    { name: 'scalar document', text: 'hello\n', want: 'e.yaml: document 1: a resource must be a mapping' },
  ];
  it.each(errors)('$name', ({ text, want }) => {
    expect(manifestError(() => parseResources(text, 'e.yaml')).message).toContain(want);
  });
});

describe('printing', () => {
  const pool = only(read('get-default-ipv4-ippool.yaml'));

  it('JSON follows Go struct order and omits Go zero values', () => {
    const res = applyDefaults(pool);
    (res.spec as Record<string, unknown>).disabled = false;
    const obj = JSON.parse(toJson(res)) as Record<string, unknown>;
    expect(Object.keys(obj)).toEqual(['kind', 'apiVersion', 'metadata', 'spec']);
    expect(Object.keys(obj.metadata as object)).toEqual(['name', 'uid', 'resourceVersion', 'creationTimestamp']);
    expect(Object.keys(obj.spec as object)).toEqual(['cidr', 'vxlanMode', 'ipipMode', 'natOutgoing', 'blockSize', 'nodeSelector', 'allowedUses']);
    expect(toJson(res)).toContain('\n  "kind": "IPPool",\n');
  });

  it('YAML keeps pointer false values (nodeToNodeMeshEnabled: false)', () => {
    const resource = only(read('03-calico-reflector-defaultconfig.yaml'));
    expect(toYaml(resource)).toBe(
      'apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata:\n  name: default\nspec:\n  asNumber: 63400\n  logSeverityScreen: Info\n  nodeToNodeMeshEnabled: false\n',
    );
  });

  it('lists print as <Kind>List', () => {
    const yaml = toYamlList('IPPool', [pool], { resourceVersion: '1296132' });
    expect(yaml.startsWith('apiVersion: projectcalico.org/v3\nitems:\n- apiVersion: projectcalico.org/v3\n')).toBe(true);
    expect(yaml.endsWith('kind: IPPoolList\nmetadata:\n  resourceVersion: "1296132"\n')).toBe(true);
    const json = JSON.parse(toJsonList('IPPool', [pool])) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['kind', 'apiVersion', 'metadata', 'items']);
    const back = parseResources(yaml, 'list.yaml');
    expect(back.map((r) => r.resource)).toEqual([pool]);
  });
});

describe('AdminNetworkPolicy manifests (policy.networking.k8s.io/v1alpha1)', () => {
  const text = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: guard
spec:
  priority: 3
  subject:
    namespaces: {}
  egress:
  - name: to-web
    action: Deny
    to:
    - networks: ["10.0.0.0/8"]
    ports:
    - portNumber: { port: 80 }
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata:
  name: default
spec:
  subject:
    pods: { namespaceSelector: {}, podSelector: {} }
  ingress:
  - action: Allow
    from:
    - namespaces: {}
`;

  it('reads both kinds with their own apiVersion, validates and defaults them, and prints them back', () => {
    const [anp, banp] = parseResources(text, 'admin.yaml').map((r) => r.resource);
    for (const r of [anp!, banp!]) validateResource(r);
    expect(anp?.apiVersion).toBe('policy.networking.k8s.io/v1alpha1');
    expect(applyDefaults(anp!).spec).toMatchObject({ egress: [{ ports: [{ portNumber: { protocol: 'TCP', port: 80 } }] }] });
    expect(toYaml(banp!)).toContain('apiVersion: policy.networking.k8s.io/v1alpha1');
    expect(toYamlList('AdminNetworkPolicy', [anp!])).toContain('kind: AdminNetworkPolicyList');
  });

  it('refuses the wrong apiVersion and names the field of a CRD rule', () => {
    expect(() => parseResources(text.replace('policy.networking.k8s.io/v1alpha1', 'projectcalico.org/v3'), 'a.yaml')).toThrow(/apiVersion: must be policy.networking.k8s.io\/v1alpha1/);
    const [anp] = parseResources(text.replace('priority: 3', 'priority: 3000'), 'a.yaml').map((r) => r.resource);
    expect(() => validateResource(anp!)).toThrow(/spec.priority: must be between 0 and 1000/);
    const [, banp] = parseResources(text.replace('name: default', 'name: other'), 'a.yaml').map((r) => r.resource);
    expect(() => validateResource(banp!)).toThrow(/metadata.name: Only one baseline admin network policy/);
  });
});
