import { jsonPatch, mergePatch, PatchError } from './json-patch';
import { cliHarness, type CliHarness } from './testing/cli-harness';
import { tutorialPath } from './testing/tutorial';

const pools = (...names: string[]): string =>
  names.map((n, i) => `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: ${n}\nspec:\n  cidr: 10.${i + 1}.0.0/16\n`).join('---\n');

async function withPools(...names: string[]): Promise<CliHarness> {
  const h = cliHarness();
  h.stdin = pools(...names);
  const r = await h.run('apply', '-f', '-');
  if (r.code !== 0) throw new Error(r.stderr);
  return h;
}

describe('gingham delete', () => {
  it('deletes by name and by file with calicoctl messages', async () => {
    const h = await withPools('a', 'b', 'c');
    expect((await h.run('delete', 'ippool', 'a', 'b')).stdout).toBe("Successfully deleted 2 'IPPool' resource(s)\n");
    h.stdin = pools('c');
    expect((await h.run('delete', '-f', '-')).stdout).toBe("Successfully deleted 1 'IPPool' resource(s)\n");
    expect((await h.store.list('IPPool')).items).toHaveLength(0);
  });

  it('deletes nothing when one of the names does not exist, unless --skip-not-exists', async () => {
    const h = await withPools('a', 'b');
    const r = await h.run('delete', 'ippools', 'a', 'nope', 'b');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Failed to delete any 'IPPool' resources: [resource does not exist: IPPool(nope)]\n");
    expect((await h.store.list('IPPool')).items).toHaveLength(2);
    expect((await h.run('delete', 'ippools', 'a', 'nope', 'b', '--skip-not-exists')).stdout).toBe("Successfully deleted 3 'IPPool' resource(s)\n");
    expect((await h.store.list('IPPool')).items).toHaveLength(0);
  });

  it('refuses to delete ClusterInformation and needs names', async () => {
    const h = cliHarness();
    await h.store.create({ apiVersion: 'projectcalico.org/v3', kind: 'ClusterInformation', metadata: { name: 'default' }, spec: {} });
    expect((await h.run('delete', 'clusterinfo', 'default')).stderr).toContain('operation delete is not supported on ClusterInformation');
    expect((await h.run('delete', 'ippool')).stderr).toMatch(/^No resources specified/);
  });
});

describe('gingham patch', () => {
  it('merge-patches the spec, keeping the rest, and validates the result', async () => {
    const h = await withPools('a');
    const r = await h.run('patch', 'ippool', 'a', '-p', '{"spec":{"ipipMode":"CrossSubnet","natOutgoing":true}}');
    expect(r.stdout).toBe("Successfully patched 1 'IPPool' resource\n");
    expect((await h.store.get('IPPool', 'a')).spec).toMatchObject({ cidr: '10.1.0.0/16', ipipMode: 'CrossSubnet', natOutgoing: true, blockSize: 26 });
    const bad = await h.run('patch', 'ippool', 'a', '-p', '{"spec":{"ipipMode":"Sometimes"}}');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Failed to patch 'IPPool' resource: IPPool a: spec.ipipMode: /);
    const immutable = await h.run('patch', 'ippool', 'a', '-p', '{"spec":{"blockSize":28}}');
    expect(immutable.stderr).toBe("Failed to patch 'IPPool' resource: IPPool a: spec.blockSize: is immutable (was 26, now 28)\n");
    const unknown = await h.run('patch', 'ippool', 'a', '-p', '{"spec":{"colour":"red"}}');
    expect(unknown.stderr).toBe("Failed to patch 'IPPool' resource: IPPool a: spec.colour: unknown field\n");
    expect((await h.run('patch', 'ippool', 'nope', '-p', '{}')).stderr).toBe("Failed to patch 'IPPool' resource: resource does not exist: IPPool(nope)\n");
  });

  it('takes JSON patches with -t json', async () => {
    const h = await withPools('a');
    const r = await h.run('patch', 'ippool', 'a', '-t', 'json', '-p', '[{"op":"replace","path":"/spec/ipipMode","value":"Always"},{"op":"add","path":"/metadata/labels","value":{"x":"y"}}]');
    expect(r.code).toBe(0);
    const a = await h.store.get('IPPool', 'a');
    expect(a.spec).toMatchObject({ ipipMode: 'Always' });
    expect(a.metadata.labels).toEqual({ x: 'y' });
    const missing = await h.run('patch', 'ippool', 'a', '-t', 'json', '-p', '[{"op":"replace","path":"/spec/natOutgoing","value":true}]');
    expect(missing.stderr).toBe('Failed to patch \'IPPool\' resource: operation 0: path "/spec/natOutgoing" does not exist\n');
  });

  it('sets the route reflector cluster ID on the tutorial node', async () => {
    const h = cliHarness();
    await h.run('apply', '-f', tutorialPath('01-calico-reflector-master.yaml'));
    await h.run('patch', 'node', 'master1', '--patch', '{"spec":{"bgp":{"routeReflectorClusterID":"224.0.0.1"}}}');
    expect((await h.store.get('Node', 'master1')).spec).toMatchObject({ bgp: { ipv4Address: '10.0.0.12/16', routeReflectorClusterID: '224.0.0.1' } });
  });
});

describe('gingham label', () => {
  it('sets, refuses to overwrite without --overwrite, overwrites, and removes (key- or --remove)', async () => {
    const h = await withPools('a');
    expect((await h.run('label', 'ippool', 'a', 'team=net')).stdout).toBe('Successfully set label team on ippool a\n');
    const clash = await h.run('label', 'ippool', 'a', 'team=web');
    expect(clash.stderr).toBe("failed to update label of ippool a, key team is already present. please use '--overwrite' to set a new value.\n");
    expect((await h.run('label', 'ippool', 'a', 'team=web', '--overwrite')).stdout).toBe('Successfully updated label team on ippool a\n');
    expect((await h.store.get('IPPool', 'a')).metadata.labels).toEqual({ team: 'web' });
    expect((await h.run('label', 'ippool', 'a', 'team-')).stdout).toBe('Successfully removed label team from ippool a\n');
    expect((await h.store.get('IPPool', 'a')).metadata.labels).toBeUndefined();
    expect((await h.run('label', 'ippool', 'a', 'team', '--remove')).stderr).toBe('cannot remove label of ippool a, key team does not exist\n');
    expect((await h.run('label', 'ippool', 'a', 'bad key=x')).stderr).toMatch(/^failed to update ippool a, label not changed: IPPool a: metadata.labels/);
    expect((await h.run('label', 'ippool', 'a', 'novalue')).stderr).toMatch(/^invalid label novalue/);
  });

  it('labels the tutorial node as a route reflector, as the tutorial does by hand', async () => {
    const h = cliHarness();
    await h.run('apply', '-f', tutorialPath('01-calico-reflector-master.yaml'));
    await h.run('label', 'node', 'master1', 'route-reflector-');
    expect((await h.run('label', 'nodes', 'master1', 'route-reflector=true')).code).toBe(0);
    expect((await h.store.get('Node', 'master1')).metadata.labels).toEqual({ 'route-reflector': 'true' });
    expect((await h.run('get', 'node', 'master1', 'master1', '-o', 'yaml')).stdout).toMatch(/^- apiVersion: projectcalico.org\/v3\n/);
  });
});

describe('patch formats', () => {
  it('merge patch follows RFC 7386 (null deletes, objects merge, arrays replace)', () => {
    expect(mergePatch({ a: 'b', c: { d: 'e', f: 'g' }, l: [1, 2] }, { a: 'z', c: { f: null }, l: [3] })).toEqual({ a: 'z', c: { d: 'e' }, l: [3] });
  });

  it('JSON patch follows RFC 6902 and fails whole', () => {
    const doc = { foo: ['bar', 'baz'], 'a/b': 1 };
    expect(
      jsonPatch(doc, [
        { op: 'add', path: '/foo/1', value: 'qux' },
        { op: 'remove', path: '/a~1b' },
        { op: 'copy', from: '/foo/0', path: '/first' },
        { op: 'move', from: '/foo/2', path: '/foo/-' },
        { op: 'test', path: '/first', value: 'bar' },
      ]),
    ).toEqual({ foo: ['bar', 'qux', 'baz'], first: 'bar' });
    expect(() => jsonPatch(doc, [{ op: 'replace', path: '/missing', value: 1 }])).toThrow(PatchError);
    expect(() => jsonPatch(doc, [{ op: 'test', path: '/a~1b', value: 2 }])).toThrow('operation 0: test failed at "/a~1b"');
    expect(doc).toEqual({ foo: ['bar', 'baz'], 'a/b': 1 });
  });
});
