import fs from 'node:fs';
import { cliHarness, type CliHarness } from './testing/cli-harness';
import { tutorialPath, TUTORIAL_MANIFESTS } from './testing/tutorial';
import { goFloat } from './resource-table';

async function tutorialCluster(): Promise<CliHarness> {
  const h = cliHarness();
  for (const { file } of TUTORIAL_MANIFESTS) {
    const r = await h.run('apply', '-f', tutorialPath(file));
    if (r.code !== 0) throw new Error(r.stderr);
  }
  return h;
}

describe('gingham get', () => {
  it('prints NAME / CIDR / SELECTOR for ippools, as the tutorial shows, with any spelling of the kind', async () => {
    const h = await tutorialCluster();
    const want = 'NAME                  CIDR            SELECTOR\ndefault-ipv4-ippool   10.244.0.0/16   all()\n\n';
    for (const kind of ['ippools', 'ippool', 'IPPool', 'ipPools', 'ipp', 'pools']) expect((await h.run('get', kind)).stdout).toBe(want);
  });

  const tables: Array<{ args: string[]; want: string }> = [
    {
      args: ['ippools', '-o', 'wide'],
      want:
        'NAME                  CIDR            NAT    IPIPMODE      VXLANMODE   DISABLED   DISABLEBGPEXPORT   SELECTOR\n' +
        'default-ipv4-ippool   10.244.0.0/16   true   CrossSubnet   Never       false      false              all()\n\n',
    },
    { args: ['nodes'], want: 'NAME\nmaster1\n\n' },
    { args: ['node', '-o', 'wide'], want: 'NAME      ASN       IPV4           IPV6\nmaster1   (63400)   10.0.0.12/16\n\n' },
    { args: ['bgppeers'], want: 'NAME           PEERIP   NODE    ASN\nbgppeer-demo            all()   0\n\n' },
    { args: ['bgpconfig'], want: 'NAME      LOGSEVERITY   MESHENABLED   ASNUMBER\ndefault   Info          false         63400\n\n' },
    { args: ['bgpconfigurations'], want: 'NAME      LOGSEVERITY   MESHENABLED   ASNUMBER\ndefault   Info          false         63400\n\n' },
    { args: ['gnp', '-o', 'wide'], want: 'NAME                 ORDER   SELECTOR\nnamespaces-default   0\n\n' },
    { args: ['felixconfig'], want: 'NAME\n\n' },
    { args: ['ippools', '-o', 'custom-columns=name,cidr'], want: 'NAME                  CIDR\ndefault-ipv4-ippool   10.244.0.0/16\n\n' },
  ];
  it.each(tables)('get $args prints the calicoctl table', async ({ args, want }) => {
    const h = await tutorialCluster();
    const r = await h.run('get', ...args);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(want);
  });

  it('prints a NAMESPACE column with -A or -n and lists across namespaces with -A', async () => {
    const h = cliHarness();
    h.stdin = ['develop', 'prod']
      .map((ns) => `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: ${ns}}\nspec: {selector: all(), order: 100}\n`)
      .join('---\n');
    expect((await h.run('apply', '-f', '-')).code).toBe(0);
    expect((await h.run('get', 'networkpolicies')).stdout).toBe('NAME   TIER\n\n');
    expect((await h.run('get', 'policy', '-A')).stdout).toBe('NAMESPACE   NAME   TIER\ndevelop     deny   default\nprod        deny   default\n\n');
    expect((await h.run('get', 'np', '-n', 'prod', '-o', 'wide')).stdout).toBe('NAMESPACE   NAME   TIER      ORDER   SELECTOR\nprod        deny   default   100     all()\n\n');
    expect((await h.run('get', 'policy', 'deny', '-A')).stderr).toBe('Failed to get resources: cannot use --all-namespace flag for getting a single resource\n');
    expect((await h.run('get', 'ippools', '-A')).stderr).toBe('Failed to get resources: IPPool is not namespaced\n');
  });

  it('prints one resource as YAML byte for byte like calicoctl, a listing as a List, several names as a sequence', async () => {
    const h = await tutorialCluster();
    const one = await h.run('get', 'ippool', 'default-ipv4-ippool', '-o', 'yaml');
    const rv = (await h.store.get('IPPool', 'default-ipv4-ippool')).metadata.resourceVersion ?? '';
    expect(one.stdout).toBe(
      [
        'apiVersion: projectcalico.org/v3',
        'kind: IPPool',
        'metadata:',
        '  creationTimestamp: "2026-01-01T00:00:00Z"',
        '  name: default-ipv4-ippool',
        `  resourceVersion: "${rv}"`,
        '  uid: uid-4',
        'spec:',
        '  allowedUses:',
        '  - Workload',
        '  - Tunnel',
        '  blockSize: 24',
        '  cidr: 10.244.0.0/16',
        '  ipipMode: CrossSubnet',
        '  natOutgoing: true',
        '  nodeSelector: all()',
        '  vxlanMode: Never',
        '',
      ].join('\n'),
    );
    const list = await h.run('get', 'ippools', '-o', 'yaml');
    expect(list.stdout).toMatch(/^apiVersion: projectcalico.org\/v3\nitems:\n- apiVersion: projectcalico.org\/v3\n {2}kind: IPPool\n/);
    expect(list.stdout).toMatch(/\nkind: IPPoolList\nmetadata:\n {2}resourceVersion: "\d+"\n$/);
    const json = JSON.parse((await h.run('get', 'bgppeer', 'bgppeer-demo', '-o', 'json')).stdout) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['kind', 'apiVersion', 'metadata', 'spec']);
    const two = await h.run('get', 'node', 'master1', 'nope', '-o', 'name');
    expect(two.stdout).toBe('node/master1\n');
    expect(two.stderr).toBe('resource does not exist: Node(nope)\n');
    expect(two.code).toBe(1);
    const exportYaml = await h.run('get', 'node', 'master1', '-o', 'yaml', '--export');
    expect(exportYaml.stdout).not.toMatch(/uid|resourceVersion|creationTimestamp/);
  });

  it('gets the resources a file names', async () => {
    const h = await tutorialCluster();
    const r = await h.run('get', '-f', tutorialPath('default-ipv4-ippool.yaml'), '-f', tutorialPath('03-calico-reflector-defaultconfig.yaml'));
    expect(r.stdout).toBe(
      'NAME                  CIDR            SELECTOR\ndefault-ipv4-ippool   10.244.0.0/16   all()\n\nNAME      LOGSEVERITY   MESHENABLED   ASNUMBER\ndefault   Info          false         63400\n\n',
    );
  });

  it('names what is wrong: unknown type, unknown column, unknown format', async () => {
    const h = cliHarness();
    expect((await h.run('get', 'widgets')).stderr).toBe("resource type 'widgets' is not supported\n");
    expect((await h.run('get', 'ippol')).stderr).toBe("resource type 'ippol' is not supported (did you mean ippool?)\n");
    expect((await h.run('get', 'ippools', '-o', 'custom-columns=NAME,COLOUR')).stderr).toMatch(/^Unknown heading COLOUR, valid values are: NAME, CIDR, /);
    expect((await h.run('get', 'ippools', '-o', 'xml')).stderr).toMatch(/^unrecognized output format 'xml'/);
    expect((await h.run('get')).code).toBe(1);
  });

  it('formats floats as Go does', () => {
    expect([0, 100, 0.5, 1e21, 1e-5, 1e20].map(goFloat)).toEqual(['0', '100', '0.5', '1e+21', '1e-05', '100000000000000000000']);
  });

  it('kubectl-gingham reads the same files', () => {
    const pkg = JSON.parse(fs.readFileSync(`${__dirname}/../../package.json`, 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin['kubectl-gingham']).toBe(pkg.bin.gingham);
  });
});
