// Issue 5, end-to-end test 5: an FRR router ("top of rack") in a namespace of its own on the lab's LAN peers eBGP with
// every node through one global BGPPeer (`peerIP`/`asNumber`, applied with `gingham lab apply`), learns every pod
// block into its kernel (FRR's zebra programs them), and pings a pod on every node. Needs `npm run build`.
import { mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync, mkdtempSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeIf, requireTools } from '../lib/tools';
import { TestLab, type LabStatusJson } from './lab-harness';

const ZEBRA = '/usr/lib/frr/zebra';
const BGPD = '/usr/lib/frr/bgpd';
const ok = requireTools('lab tor', ['ip', 'etcd', 'ping', ZEBRA, BGPD, 'vtysh'], { root: true });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const TOR_IP = '10.0.0.2';
const TOR_AS = 65000;

function sh(cmd: string, args: readonly string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.status}: ${r.stderr}${r.error ? String(r.error) : ''}`);
  return r.stdout;
}

describeIf(ok)('gingham lab: an FRR router peering eBGP with every node', () => {
  let lab: TestLab;
  let st: LabStatusJson;
  let tor = '';
  let work = '';
  const pids: number[] = [];

  beforeAll(() => {
    lab = new TestLab('t');
    lab.up(['--pods-per-node', '1']);
    st = lab.status();
    tor = lab.namespace('tor');
    // The router on the LAN bridge, at 10.0.0.2.
    sh('ip', ['netns', 'add', tor]);
    sh('ip', ['-n', lab.namespace('lan'), 'link', 'add', 'tor0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', tor]);
    sh('ip', ['-n', lab.namespace('lan'), 'link', 'set', 'tor0', 'master', 'br0']);
    sh('ip', ['-n', lab.namespace('lan'), 'link', 'set', 'tor0', 'up']);
    sh('ip', ['-n', tor, 'addr', 'add', `${TOR_IP}/24`, 'dev', 'eth0']);
    sh('ip', ['-n', tor, 'link', 'set', 'eth0', 'up']);
    sh('ip', ['-n', tor, 'link', 'set', 'lo', 'up']);
    // zebra (so learned routes reach the router's kernel) and bgpd, both inside the router namespace. zebra runs as
    // the frr user, which is in the frrvty group its vty socket wants.
    work = mkdtempSync(path.join(tmpdir(), 'gingham-e2e-tor-'));
    mkdirSync(path.join(work, 'vty'));
    chmodSync(work, 0o777);
    chmodSync(path.join(work, 'vty'), 0o777);
    writeFileSync(path.join(work, 'zebra.conf'), 'hostname tor\n');
    const neighbours = st.nodes.map((n) => n.address.split('/')[0] as string);
    writeFileSync(
      path.join(work, 'bgpd.conf'),
      [
        'hostname tor',
        `router bgp ${TOR_AS}`,
        ` bgp router-id ${TOR_IP}`,
        ' no bgp ebgp-requires-policy',
        ' no bgp default ipv4-unicast',
        ...neighbours.map((a) => ` neighbor ${a} remote-as 64512`),
        ' address-family ipv4 unicast',
        ...neighbours.map((a) => `  neighbor ${a} activate`),
        ' exit-address-family',
        '',
      ].join('\n'),
    );
    const common = ['-z', path.join(work, 'zserv.api'), '--vty_socket', path.join(work, 'vty'), '-d'];
    sh('ip', ['netns', 'exec', tor, ZEBRA, '-f', path.join(work, 'zebra.conf'), '-i', path.join(work, 'zebra.pid'), '-u', 'frr', '-g', 'frr', ...common]);
    pids.push(Number(readFileSync(path.join(work, 'zebra.pid'), 'utf8')));
    sh('ip', ['netns', 'exec', tor, BGPD, '-f', path.join(work, 'bgpd.conf'), '-i', path.join(work, 'bgpd.pid'), '-S', '-P', '0', ...common]);
    pids.push(Number(readFileSync(path.join(work, 'bgpd.pid'), 'utf8')));
  }, 300_000);

  afterAll(() => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (tor) spawnSync('ip', ['netns', 'del', tor], { timeout: 10_000 });
    if (work) rmSync(work, { recursive: true, force: true });
    expect(lab?.down().status).toBe(0);
  }, 120_000);

  it('learns every pod block over eBGP from a global BGPPeer and reaches a pod on every node', async () => {
    const peerFile = path.join(work, 'bgppeer.yaml');
    writeFileSync(peerFile, `apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: tor\nspec:\n  peerIP: ${TOR_IP}\n  asNumber: ${TOR_AS}\n`);
    expect(lab.run(['lab', 'apply', '-f', peerFile]).stdout).toContain("Successfully applied 1 'BGPPeer' resource(s)");

    const blocks = st.pods.map((p) => `${(p.ip as string).split('.').slice(0, 3).join('.')}.0/24`);
    const deadline = Date.now() + 60_000;
    let routes = '';
    while (Date.now() < deadline) {
      routes = sh('ip', ['-n', tor, 'route', 'show', 'proto', 'bgp']);
      if (blocks.every((b) => routes.includes(b))) break;
      await sleep(500);
    }
    for (const b of blocks) expect(routes).toContain(b);
    // Every node shows the router as a global peer, Established.
    for (const n of st.nodes) {
      const status = lab.exec(n.name, ['gingham', 'node', 'status']).stdout;
      expect(status).toMatch(new RegExp(`\\| ${TOR_IP.replace(/\./g, '\\.')} +\\| global +\\| up +\\|[^\\n]*Established`));
    }
    for (const p of st.pods) {
      const r = spawnSync('ip', ['netns', 'exec', tor, 'ping', '-c', '2', '-W', '2', p.ip as string], { encoding: 'utf8', timeout: 15_000 });
      expect(`${p.name}: ${r.stdout.match(/(\d+) received/)?.[1] ?? '0'} received`).not.toBe(`${p.name}: 0 received`);
    }
  }, 180_000);
});
