// `gingham lab down` after a crash: `gingham lab up` is killed (SIGKILL) once etcd and the first agent run, leaving a
// half-built lab with live daemons; `lab down` must find them by the recorded PIDs and the namespaces state.json names and
// remove every namespace, process and file. Also: `--route-reflector` on a fresh lab (the tutorial's steps done by
// `up`), and `lab exec` into a pod. Needs `npm run build`.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { alive } from '../lib/process';
import { describeIf, requireTools } from '../lib/tools';
import { GINGHAM, TestLab, eventually } from './lab-harness';

const ok = requireTools('lab', ['ip', 'etcd', 'etcdctl', 'python3', 'sysctl'], { root: true });

describeIf(ok)('gingham lab down after a crash', () => {
  const lab = new TestLab('c');

  afterAll(() => {
    if (lab.leftovers().length > 0 || existsSync(lab.stateDir)) lab.down();
  }, 120_000);

  it('removes the namespaces, daemons and files of a lab whose up was killed half-way', async () => {
    const child = spawn(process.execPath, [GINGHAM, 'lab', 'up', '--pods-per-node', '1'], {
      env: { ...process.env, GINGHAM_LAB_DIR: lab.stateDir, GINGHAM_LAB_PREFIX: lab.prefix },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((r) => child.once('close', () => r()));
    const midway = await eventually(() => out.includes('lab: gingham node run on node1'), 60_000, 100);
    child.kill('SIGKILL');
    await exited;
    expect(midway).toBe(true);
    const pidDir = path.join(lab.stateDir, 'pids');
    const pids = readdirSync(pidDir).map((f) => Number(readFileSync(path.join(pidDir, f), 'utf8')));
    expect(pids.length).toBeGreaterThanOrEqual(2);
    expect(pids.some(alive)).toBe(true);
    expect(lab.leftovers().length).toBeGreaterThanOrEqual(4);

    const r = lab.down();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^lab down: stopped \d+ process\(es\), removed \d+ namespace\(s\), removed /);
    expect(lab.leftovers()).toEqual([]);
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(lab.stateDir)).toBe(false);
    // Nothing left: a second down has nothing to do and says so without failing.
    expect(lab.down().stdout).toMatch(/^lab down: stopped 0 process\(es\), removed 0 namespace\(s\)/);
    // And commands on a lab that is not up say how to start one.
    const st = lab.run(['lab', 'status']);
    expect(st.status).toBe(1);
    expect(st.stderr).toMatch(/^lab status: no lab in .* \(start one with: gingham lab up\)/);
  }, 180_000);
});

describeIf(ok)('gingham lab up --route-reflector', () => {
  let lab: TestLab;

  beforeAll(() => {
    lab = new TestLab('q');
    lab.up(['--route-reflector', 'node2', '--pods-per-node', '1']);
  }, 300_000);

  afterAll(() => {
    expect(lab?.down().status).toBe(0);
    expect(lab.leftovers()).toEqual([]);
  }, 120_000);

  it('makes the node the reflector with the mesh off: node specific peers only', async () => {
    const status = (n: string): string => lab.exec(n, ['gingham', 'node', 'status']).stdout;
    const done = await eventually(() => /\| 10\.0\.0\.16 +\| node specific +\| up /.test(status('master1')) && !status('master1').includes('node-to-node mesh'), 30_000, 1000);
    if (!done) throw new Error(status('master1'));
    const rr = status('node2');
    expect(rr).toMatch(/\| 10\.0\.0\.12 +\| node specific +\| up /);
    expect(rr).toMatch(/\| 10\.0\.0\.15 +\| node specific +\| up /);
    const node = lab.exec('node1', ['gingham', 'get', 'node', 'node2', '-o', 'yaml']).stdout;
    expect(node).toMatch(/route-reflector: "?true"?/);
    expect(node).toMatch(/routeReflectorClusterID: 1\.1\.1\.1/);
  }, 60_000);

  it('lab exec into a pod runs there (its eth0 holds the pod address)', () => {
    const pod = lab.status().pods[0]!;
    const r = lab.exec(pod.name, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`inet ${pod.ip}/32`);
  });
});
