import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UnavailableError } from '../datastore';
import { cliHarness } from './testing/cli-harness';
import { expectedReadBack, readBack, TUTORIAL_KUBERNETES_POLICY, TUTORIAL_MANIFESTS, tutorialPath } from './testing/tutorial';

const pool = (name: string, cidr: string, extra = ''): string =>
  `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: ${name}\nspec:\n  cidr: ${cidr}\n${extra}`;

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gingham-cli-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const p = path.join(tmp, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
}

describe('gingham apply/create/replace/validate', () => {
  it('warns (and still writes) when a BGPPeer or IPPool selector matches no node', async () => {
    const h = cliHarness();
    await h.store.create({ apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: 'master1', labels: { 'route-reflector': 'true' } }, spec: {} });
    const f = write('rr.yaml', 'apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: rr\nspec:\n  nodeSelector: all()\n  peerSelector: route-reflecter == "true"\n');
    const r = await h.run('apply', '-f', f);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('Warning: BGPPeer rr: peerSelector "route-reflecter == "true"" matches no node: the selected nodes get no peer from it\n');
    expect(r.stdout).toBe("Successfully applied 1 'BGPPeer' resource(s)\n");
  });

  it.each(TUTORIAL_MANIFESTS)("applies the tutorial's $file verbatim and reads it back with defaults", async ({ file, get }) => {
    const h = cliHarness();
    const r = await h.run('apply', '-f', tutorialPath(file));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Successfully applied 1 '\w+' resource\(s\)\n$/);
    const got = await h.run('get', ...get, '-o', 'yaml');
    expect(got.code).toBe(0);
    expect(readBack(got.stdout)).toEqual(expectedReadBack(file));
  });

  it("refuses the tutorial's Kubernetes NetworkPolicy, naming file, document and apiVersion, writing nothing", async () => {
    const h = cliHarness();
    const r = await h.run('apply', '-f', tutorialPath(TUTORIAL_KUBERNETES_POLICY));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Failed to execute command: ${tutorialPath(TUTORIAL_KUBERNETES_POLICY)}: document 1: apiVersion "networking.k8s.io/v1" is not supported`);
    expect(r.stderr).toContain('apply it with kubectl');
    expect(h.opened).toHaveLength(0);
  });

  it('prints the calicoctl message for several kinds and for one kind', async () => {
    const h = cliHarness();
    const f = write('two.yaml', `${pool('a', '10.1.0.0/16')}---\n${pool('b', '10.2.0.0/16')}`);
    expect((await h.run('apply', '-f', f)).stdout).toBe("Successfully applied 2 'IPPool' resource(s)\n");
    const mixed = write('mixed.yaml', `${pool('c', '10.3.0.0/16')}---\n${fs.readFileSync(tutorialPath('02-calico-reflector-bgppeer.yaml'), 'utf8')}`);
    expect((await h.run('create', '-f', mixed)).stdout).toBe('Successfully created 2 resource(s)\n');
  });

  it('writes nothing when document 3 of 4 is invalid, and says file, document and field', async () => {
    const h = cliHarness();
    const f = write('pools.yaml', [pool('p1', '10.1.0.0/16'), pool('p2', '10.2.0.0/16'), pool('p3', '10.3.0.0/16', '  blockSize: 33\n'), pool('p4', '10.4.0.0/16')].join('---\n'));
    const r = await h.run('apply', '-f', f);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`Failed to apply any 'IPPool' resources: [${f}: document 3: IPPool p3: spec.blockSize: must be between 20 and 32 for IPv4]\n`);
    expect((await h.store.list('IPPool')).items).toHaveLength(0);
  });

  it('lists every problem of a batch, one per line', async () => {
    const h = cliHarness();
    const f = write('bad.yaml', [pool('ok', '10.1.0.0/16'), pool('bad1', '10.2.0.0/16', '  ipipMode: Sometimes\n'), pool('Bad_Name', '10.3.0.0/16')].join('---\n'));
    const r = await h.run('apply', '-f', f);
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe("Failed to apply any 'IPPool' resources:");
    expect(lines[1]).toMatch(new RegExp(`^  ${f}: document 2: IPPool bad1: spec.ipipMode: `));
    expect(lines[2]).toMatch(new RegExp(`^  ${f}: document 3: IPPool Bad_Name: metadata.name: `));
    expect((await h.store.list('IPPool')).items).toHaveLength(0);
  });

  it('reports a bad field type in a list item with the item number', async () => {
    const h = cliHarness();
    const list = `apiVersion: projectcalico.org/v3\nkind: IPPoolList\nitems:\n- metadata: {name: a}\n  spec: {cidr: 10.1.0.0/16}\n- metadata: {name: b}\n  spec: {cidr: 10.2.0.0/16, blockSize: big}\n`;
    const r = await h.run('apply', '-f', write('list.yaml', list));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('document 1: item 1: IPPool b: spec.blockSize: must be an integer');
    expect(h.opened).toHaveLength(0);
  });

  it('create refuses an existing resource (nothing written) unless --skip-exists', async () => {
    const h = cliHarness();
    await h.run('apply', '-f', write('a.yaml', pool('a', '10.1.0.0/16')));
    const f = write('ab.yaml', `${pool('b', '10.2.0.0/16')}---\n${pool('a', '10.1.0.0/16')}`);
    const r = await h.run('create', '-f', f);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Failed to create any 'IPPool' resources: [${f}: document 2: resource already exists: IPPool(a)]\n`);
    expect((await h.store.list('IPPool')).items.map((p) => p.metadata.name)).toEqual(['a']);
    const skip = await h.run('create', '-f', f, '--skip-exists');
    expect(skip.stdout).toBe("Successfully created 2 'IPPool' resource(s)\n");
    expect((await h.store.list('IPPool')).items.map((p) => p.metadata.name)).toEqual(['a', 'b']);
  });

  it('replace needs the resource to exist; apply creates then updates; labels merge as calicoctl merges them', async () => {
    const h = cliHarness();
    const missing = await h.run('replace', '-f', write('a.yaml', pool('a', '10.1.0.0/16')));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Failed to replace 'IPPool' resource: ");
    expect(missing.stderr).toContain('resource does not exist: IPPool(a)');
    await h.run('apply', '-f', write('a1.yaml', `${pool('a', '10.1.0.0/16')}`.replace('  name: a\n', '  name: a\n  labels: {team: x}\n')));
    const r = await h.run('replace', '-f', write('a2.yaml', pool('a', '10.1.0.0/16', '  natOutgoing: true\n')));
    expect(r.stdout).toBe("Successfully replaced 1 'IPPool' resource(s)\n");
    const stored = await h.store.get('IPPool', 'a');
    expect(stored.spec).toMatchObject({ natOutgoing: true, ipipMode: 'Never', blockSize: 26 });
    expect(stored.metadata.labels).toEqual({ team: 'x' });
  });

  it('keeps cidr and blockSize immutable and leaves the pool as it was', async () => {
    const h = cliHarness();
    await h.run('apply', '-f', write('a.yaml', pool('a', '10.1.0.0/16')));
    const before = await h.store.get('IPPool', 'a');
    const f = write('b.yaml', pool('a', '10.9.0.0/16'));
    const r = await h.run('apply', '-f', f);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Failed to apply 'IPPool' resource: [${f}: document 1: IPPool a: spec.cidr: is immutable (was "10.1.0.0/16", now "10.9.0.0/16")]\n`);
    expect(await h.store.get('IPPool', 'a')).toEqual(before);
  });

  it('refuses a stale resourceVersion in the file', async () => {
    const h = cliHarness();
    await h.run('apply', '-f', write('a.yaml', pool('a', '10.1.0.0/16')));
    const stale = pool('a', '10.1.0.0/16', '  natOutgoing: true\n').replace('  name: a\n', '  name: a\n  resourceVersion: "999"\n');
    const r = await h.run('apply', '-f', write('s.yaml', stale));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("update conflict: IPPool(a): Resource version '999' is out of date");
  });

  it('refuses to apply ClusterInformation, which Calico owns', async () => {
    const h = cliHarness();
    const ci = 'apiVersion: projectcalico.org/v3\nkind: ClusterInformation\nmetadata: {name: default}\nspec: {clusterGUID: abc}\n';
    const r = await h.run('apply', '-f', write('ci.yaml', ci));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('operation apply is not supported on ClusterInformation: resource is readonly');
  });

  it('undoes earlier writes when a later write fails', async () => {
    const h = cliHarness();
    await h.run('apply', '-f', write('old.yaml', pool('b', '10.2.0.0/16')));
    const before = await h.store.get('IPPool', 'b');
    h.store.failNext('update', new UnavailableError('update', 'IPPool', 'b', undefined, 'etcd went away'));
    const f = write('ab.yaml', `${pool('a', '10.1.0.0/16')}---\n${pool('b', '10.2.0.0/16', '  natOutgoing: true\n')}`);
    const r = await h.run('apply', '-f', f);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${f}: document 2: IPPool b: update unavailable: etcd went away`);
    expect(r.stderr).toContain('The 1 earlier change(s) of this command were undone.');
    expect((await h.store.list('IPPool')).items.map((p) => p.metadata.name)).toEqual(['b']);
    expect((await h.store.get('IPPool', 'b')).spec).toEqual(before.spec);
  });

  it('reads stdin (-), directories (with -R for subdirectories) and refuses empty input', async () => {
    const h = cliHarness();
    h.stdin = pool('s', '10.5.0.0/16');
    expect((await h.run('apply', '-f', '-')).stdout).toBe("Successfully applied 1 'IPPool' resource(s)\n");
    write('d/1.yaml', pool('d1', '10.6.0.0/16'));
    write('d/notes.txt', 'not a manifest');
    write('d/sub/2.json', JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'd2' }, spec: { cidr: '10.7.0.0/16' } }));
    expect((await h.run('apply', '-f', path.join(tmp, 'd'))).stdout).toBe("Successfully applied 1 'IPPool' resource(s)\n");
    expect((await h.run('apply', '-f', path.join(tmp, 'd'), '-R')).stdout).toBe("Successfully applied 2 'IPPool' resource(s)\n");
    const empty = write('empty.yaml', '---\n');
    expect((await h.run('apply', '-f', empty)).stderr).toBe(`Failed to execute command: No resources specified in file ${empty}\n`);
    expect((await h.run('apply', '-f', empty, '--skip-empty')).stdout).toBe('No resources specified\n');
    const missing = path.join(tmp, 'nope.yaml');
    expect((await h.run('apply', '-f', missing)).stderr).toBe(`Failed to execute command: open ${missing}: no such file or directory\n`);
  });

  it('settles namespaces as calicoctl does', async () => {
    const h = cliHarness();
    const np = 'apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: deny}\nspec: {selector: all(), types: [Ingress]}\n';
    const f = write('np.yaml', np);
    expect((await h.run('apply', '-f', f, '-n', 'develop')).code).toBe(0);
    expect((await h.store.get('NetworkPolicy', 'deny', 'develop')).metadata.namespace).toBe('develop');
    expect((await h.run('apply', '-f', f)).code).toBe(0);
    expect((await h.store.get('NetworkPolicy', 'deny', 'default')).metadata.namespace).toBe('default');
    const other = write('np2.yaml', np.replace('name: deny}', 'name: deny, namespace: prod}'));
    const r = await h.run('apply', '-f', other, '-n', 'develop');
    expect(r.stderr).toBe(`Failed to execute command: ${other}: document 1: resource namespace does not match client namespace. prod != develop\n`);
    const poolNs = await h.run('apply', '-f', write('p.yaml', pool('a', '10.1.0.0/16')), '-n', 'develop');
    expect(poolNs.stderr).toContain('IPPool is not namespaced');
  });

  it('validate checks without touching the datastore', async () => {
    const h = cliHarness();
    const good = write('g.yaml', pool('a', '10.1.0.0/16'));
    expect((await h.run('validate', '-f', good)).stdout).toBe("Successfully validated 1 'IPPool' resource(s)\n");
    const bad = write('b.yaml', pool('a', '10.1.0.0/33'));
    const r = await h.run('validate', '-f', bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Failed to validate 'IPPool' resource: [${bad}: document 1: IPPool a: spec.cidr: `);
    expect(h.opened).toHaveLength(0);
  });

  it('reads the datastore configuration from --config', async () => {
    const h = cliHarness();
    h.files.set('/etc/x.cfg', 'apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nspec:\n  datastoreType: kubernetes\n  kubeconfig: /k\n');
    await h.run('apply', '-f', write('a.yaml', pool('a', '10.1.0.0/16')), '--config', '/etc/x.cfg');
    expect(h.opened[0]).toMatchObject({ datastoreType: 'kubernetes', kubernetes: { kubeconfig: '/k' } });
    const bad = await h.run('apply', '-f', write('b.yaml', pool('b', '10.2.0.0/16')), '-c', '/etc/missing.cfg');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('Failed to create Gingham API client: error reading config file /etc/missing.cfg: no such file\n');
  });
});
