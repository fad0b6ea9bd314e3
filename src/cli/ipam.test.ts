// `gingham ipam ...` in-process on a MemoryDatastore: calicoctl's tables and messages, and the error paths.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { API_VERSION } from '../datastore';
import { IpamAllocator } from '../ipam';
import { countWithPercent, goG5, goRound } from './ipam-show';
import { cliHarness, type CliHarness } from './testing/cli-harness';

async function cluster(): Promise<{ h: CliHarness; ipam: IpamAllocator }> {
  const h = cliHarness();
  await h.store.create({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'default-ipv4-ippool' }, spec: { cidr: '10.244.0.0/16', blockSize: 26 } });
  for (const n of ['n1', 'n2']) await h.store.create({ apiVersion: API_VERSION, kind: 'Node', metadata: { name: n }, spec: {} });
  return { h, ipam: new IpamAllocator(h.store) };
}

describe('number formats', () => {
  test.each([
    { x: 0.0626, want: 0 },
    { x: 12.5, want: 12 },
    { x: 13.5, want: 14 },
    { x: 99.94, want: 100 },
    { x: 1.5625, want: 2 },
  ])('goRound($x) = $want (half to even, as %.f)', ({ x, want }) => expect(goRound(x)).toBe(want));

  test.each([
    { n: 65536n, want: '65536' },
    { n: 99999n, want: '99999' },
    { n: 262144n, want: '2.6214e+05' },
    { n: 1000000n, want: '1e+06' },
    { n: 16777216n, want: '1.6777e+07' },
  ])('goG5($n) = $want', ({ n, want }) => expect(goG5(n)).toBe(want));

  test('count with percent', () => {
    expect(countWithPercent(41n, 65536n)).toBe('41 (0%)');
    expect(countWithPercent(65495n, 65536n)).toBe('65495 (100%)');
    expect(countWithPercent(0n, 0n)).toBe('0 (0%)');
  });
});

describe('gingham ipam show', () => {
  test('an empty pool, as the tutorial shows it', async () => {
    const { h } = await cluster();
    const r = await h.run('ipam', 'show');
    expect(r).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        '+----------+---------------+-----------+------------+--------------+',
        '| GROUPING |     CIDR      | IPS TOTAL | IPS IN USE |   IPS FREE   |',
        '+----------+---------------+-----------+------------+--------------+',
        '| IP Pool  | 10.244.0.0/16 |     65536 | 0 (0%)     | 65536 (100%) |',
        '+----------+---------------+-----------+------------+--------------+',
        '',
      ].join('\n'),
    });
  });

  test('--show-blocks adds one Block row per block, sorted by CIDR text', async () => {
    const { h, ipam } = await cluster();
    await ipam.autoAssign({ handleId: 'a', hostname: 'n1', num4: 1 });
    await ipam.autoAssign({ handleId: 'b', hostname: 'n2', num4: 6 });
    const r = await h.run('ipam', 'show', '--show-blocks');
    const lines = r.stdout.split('\n');
    expect(lines[3]).toMatch(/^\| IP Pool  \| 10\.244\.0\.0\/16 +\|     65536 \| 7 \(0%\)     \| 65529 \(100%\) \|$/);
    const blockRows = lines.filter((l) => l.startsWith('| Block'));
    expect(blockRows).toHaveLength(2);
    expect(blockRows.some((l) => /\| +64 \| 6 \(9%\) +\| 58 \(91%\) +\|$/.test(l))).toBe(true);
    expect(blockRows.some((l) => /\| +64 \| 1 \(2%\) +\| 63 \(98%\) +\|$/.test(l))).toBe(true);
  });

  test('--show-configuration prints PROPERTY / VALUE', async () => {
    const { h } = await cluster();
    expect((await h.run('ipam', 'show', '--show-configuration')).stdout).toBe(
      [
        '+--------------------+-------+',
        '|      PROPERTY      | VALUE |',
        '+--------------------+-------+',
        '| StrictAffinity     | false |',
        '| AutoAllocateBlocks | true  |',
        '| MaxBlocksPerHost   | 0     |',
        '+--------------------+-------+',
        '',
      ].join('\n'),
    );
  });

  test('--show-borrowed lists addresses a node took from another node\'s block', async () => {
    const h = cliHarness();
    await h.store.create({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'tiny' }, spec: { cidr: '10.9.0.0/26', blockSize: 26 } });
    const ipam = new IpamAllocator(h.store);
    await ipam.autoAssign({ handleId: 'a', hostname: 'n1', num4: 1, attrs: { node: 'n1' } });
    const b = await ipam.autoAssign({ handleId: 'k8s-pod-network.x', hostname: 'n2', num4: 1, attrs: { node: 'n2', pod: 'web', namespace: 'shop' } });
    expect(b.assigned[0]?.address).toBe('10.9.0.1');
    expect((await h.run('ipam', 'show', '--show-borrowed')).stdout).toBe(
      [
        '+----------+----------------+-------------+-------------+------+--------------+',
        '|    IP    | BORROWING-NODE |    BLOCK    | BLOCK OWNER | TYPE | ALLOCATED-TO |',
        '+----------+----------------+-------------+-------------+------+--------------+',
        '| 10.9.0.1 | n2             | 10.9.0.0/26 | n1          | pod  | shop/web     |',
        '+----------+----------------+-------------+-------------+------+--------------+',
        '',
      ].join('\n'),
    );
  });

  test('--ip: in use with handle and attributes, or not assigned; a bad address is an error', async () => {
    const { h, ipam } = await cluster();
    const r = await ipam.autoAssign({ handleId: 'k8s-pod-network.c1', hostname: 'n1', num4: 1, attrs: { pod: 'web', namespace: 'shop', node: 'n1' } });
    const ip = r.assigned[0]?.address ?? '';
    expect((await h.run('ipam', 'show', `--ip=${ip}`)).stdout).toBe(
      `IP ${ip} is in use\nHandle ID: k8s-pod-network.c1\nActive Owner Attributes:\n  namespace: shop\n  node: n1\n  pod: web\n`,
    );
    expect((await h.run('ipam', 'show', '--ip', '10.244.255.255')).stdout).toBe('10.244.255.255 is not assigned\n');
    expect(await h.run('ipam', 'show', '--ip', '10.244.0.300')).toEqual({ code: 1, stdout: '', stderr: '--ip: "10.244.0.300" is not an IP address\n' });
  });
});

describe('gingham ipam check', () => {
  test('a consistent datastore: 0 problems, and the JSON report', async () => {
    const { h, ipam } = await cluster();
    await ipam.autoAssign({ handleId: 'tunnel', hostname: 'n1', num4: 2, attrs: { node: 'n1', type: 'vxlanTunnelAddress' } });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gingham-ipam-check-'));
    try {
      const file = path.join(dir, 'report.json');
      const r = await h.run('ipam', 'check', '-o', file);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Found 1 IPAM blocks.');
      expect(r.stdout).toContain('  n1 has 2 allocations');
      expect(r.stdout).toContain('Check complete; found 0 problems.\n');
      const report = JSON.parse(fs.readFileSync(file, 'utf8')) as { summary: unknown; problems: unknown[]; allocations: unknown[] };
      expect(report.summary).toEqual({ blocks: 1, allocations: 2, problems: 0 });
      expect(report.allocations).toHaveLength(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('finds leaked IPs, in-use-but-unallocated IPs, handles without IPs and IPs outside pools', async () => {
    const { h, ipam } = await cluster();
    await ipam.autoAssign({ handleId: 'k8s-pod-network.gone', hostname: 'n1', num4: 1, attrs: { pod: 'gone', namespace: 'ns', node: 'n1' } });
    await h.store.create({ apiVersion: API_VERSION, kind: 'WorkloadEndpoint', metadata: { name: 'n1-k8s-ghost-eth0', namespace: 'ns' }, spec: { interfaceName: 'cali0', ipNetworks: ['10.244.200.1/32'] } });
    await h.store.create({ apiVersion: API_VERSION, kind: 'IPAMHandle', metadata: { name: 'empty' }, spec: { handleID: 'empty', block: {} } });
    await ipam.autoAssign({ handleId: 'old', hostname: 'n2', num4: 1, attrs: { node: 'n2' } });
    await h.store.delete('IPPool', 'default-ipv4-ippool');
    const r = await h.run('ipam', 'check');
    expect(r.stdout).toMatch(/is allocated to pod ns\/gone .* which has no workload endpoint with it/);
    expect(r.stdout).toContain('10.244.200.1 is used by workload endpoint ns/n1-k8s-ghost-eth0 but not allocated in IPAM');
    expect(r.stdout).toContain('handle empty holds no address');
    expect(r.stdout).toMatch(/is in no IP pool/);
    expect(r.stdout).toContain('Check complete; found 5 problems.\n');
  });
});

describe('gingham ipam release', () => {
  test('--ip releases an assigned address; a free one is an error', async () => {
    const { h, ipam } = await cluster();
    const ip = (await ipam.autoAssign({ handleId: 'h', hostname: 'n1', num4: 1 })).assigned[0]?.address ?? '';
    expect(await h.run('ipam', 'release', '--ip', ip)).toEqual({ code: 0, stdout: `Successfully released IP address ${ip}\n`, stderr: '' });
    expect(await h.run('ipam', 'release', '--ip', ip)).toEqual({ code: 1, stdout: '', stderr: `IP address ${ip} is not assigned\n` });
    expect(await ipam.getAssignmentAttributes(ip)).toBeUndefined();
  });

  test('--node refuses a live node unless forced, then frees its empty blocks', async () => {
    const { h, ipam } = await cluster();
    await ipam.autoAssign({ handleId: 'h', hostname: 'n1', num4: 1 });
    await ipam.releaseByHandle('h');
    const refused = await h.run('ipam', 'release', '--node', 'n1');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('node n1 still exists');
    await h.store.delete('Node', 'n1');
    const r = await h.run('ipam', 'release', '--node', 'n1');
    expect(r.stdout).toBe('Released the block affinities of node n1: deleted 1 empty block(s); 0 block(s) still holding addresses are now unaffine\n');
    expect((await h.store.list('IPAMBlock')).items).toEqual([]);
    expect((await h.run('ipam', 'release')).stderr).toBe('give exactly one of --ip <addr> or --node <name>\n');
  });
});

describe('gingham ipam configure', () => {
  test('sets strict affinity and the block limit; refuses what the API refuses', async () => {
    const { h, ipam } = await cluster();
    expect((await h.run('ipam', 'configure', '--max-blocks-per-host=4')).stderr).toBe('IPAMConfiguration: spec.maxBlocksPerHost: requires spec.strictAffinity to be true\n');
    expect(await h.run('ipam', 'configure', '--strictaffinity=true', '--max-blocks-per-host=4')).toEqual({
      code: 0,
      stdout: 'Successfully set StrictAffinity to: true\nSuccessfully set MaxBlocksPerHost to: 4\n',
      stderr: '',
    });
    expect(await ipam.getConfig()).toMatchObject({ strictAffinity: true, maxBlocksPerHost: 4 });
    expect((await h.run('ipam', 'configure', '--strictaffinity=yes')).stderr).toBe('--strictaffinity must be true or false (got "yes")\n');
    expect((await h.run('ipam', 'configure', '--max-blocks-per-host=-1')).stderr).toBe('--max-blocks-per-host must be a whole number from 0 (got "-1")\n');
    expect((await h.run('ipam', 'configure')).stderr).toBe('nothing to configure: give --strictaffinity=true|false and/or --max-blocks-per-host=N\n');
  });
});
