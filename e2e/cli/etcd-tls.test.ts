// The `gingham` binary against a real etcd that requires TLS with client certificates, configured the way calicoctl is
// configured for such an etcd: ETCD_ENDPOINTS=https://..., ETCD_CA_CERT_FILE, ETCD_CERT_FILE, ETCD_KEY_FILE (and the
// same fields in a CalicoAPIConfig file). Without the client certificate the command fails with a one-line error.
// The etcd listens on a loopback address of its own (e2e/lib/loopback.ts); certificates come from a throwaway CA.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { allocateLoopbacks, releaseLoopbacks } from '../lib/loopback';
import { cleanupAll, makeWorkDir, spawnDaemon, stopProcess, waitFor, type ManagedProcess } from '../lib/process';
import { requireTools } from '../lib/tools';
import { tutorialPath } from '../../src/cli/testing/tutorial';
import { requireBuiltCli, runCli } from './gingham-cli';

/** A port nothing listens on at addr a moment ago. */
function freePortOn(addr: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, addr, () => {
      const a = srv.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** CA, server certificate for addr, client certificate: PEM files in dir. */
function makeCerts(dir: string, addr: string): void {
  const run = (args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=gingham-e2e-etcd-ca']);
  for (const [name, usage, san] of [
    ['server', 'serverAuth', `subjectAltName=IP:${addr}`],
    ['client', 'clientAuth', 'subjectAltName=DNS:gingham-cli'],
  ] as const) {
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    fs.writeFileSync(path.join(dir, `${name}.cnf`), `${san}\nextendedKeyUsage=${usage}\n`);
    run(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.cnf`]);
  }
}

const haveTools = requireTools('gingham CLI on TLS etcd', ['etcd', 'openssl']);

(haveTools ? describe : describe.skip)('gingham CLI on an etcd that requires client certificates', () => {
  let addr: string;
  let dir: string;
  let endpoint: string;
  let etcd: ManagedProcess;
  const files = (): Record<string, string> => ({ ca: path.join(dir, 'ca.crt'), cert: path.join(dir, 'client.crt'), key: path.join(dir, 'client.key') });

  beforeAll(async () => {
    requireBuiltCli();
    [addr] = (await allocateLoopbacks(1)) as [string];
    dir = makeWorkDir('cli-etcd-tls');
    makeCerts(dir, addr);
    const clientPort = await freePortOn(addr);
    const peerPort = await freePortOn(addr);
    endpoint = `https://${addr}:${clientPort}`;
    const peer = `http://${addr}:${peerPort}`;
    etcd = spawnDaemon({
      name: 'etcd',
      cmd: 'etcd',
      workDir: dir,
      args: [
        '--name', 'tls', '--data-dir', path.join(dir, 'data'),
        '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
        '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `tls=${peer}`,
        '--cert-file', path.join(dir, 'server.crt'), '--key-file', path.join(dir, 'server.key'),
        '--client-cert-auth', '--trusted-ca-file', path.join(dir, 'ca.crt'),
        '--log-level', 'warn',
      ],
    });
    // Healthy once a client with the right certificate can read from it.
    await waitFor(() => {
      if (etcd.exited()) throw new Error(`etcd exited: ${etcd.logTail()}`);
      const f = files();
      execFileSync('etcdctl', ['--endpoints', endpoint, '--cacert', f.ca as string, '--cert', f.cert as string, '--key', f.key as string, 'endpoint', 'health'], { stdio: 'ignore', timeout: 5000, env: { ...process.env, ETCDCTL_API: '3' } });
      return true;
    }, 30_000, 'TLS etcd to serve', 300);
  });

  afterAll(async () => {
    if (etcd) await stopProcess(etcd.pid);
    await cleanupAll();
    releaseLoopbacks();
  });

  it('applies and reads back with ETCD_CA_CERT_FILE / ETCD_CERT_FILE / ETCD_KEY_FILE', async () => {
    const f = files();
    const env = { ETCD_ENDPOINTS: endpoint, ETCD_CA_CERT_FILE: f.ca as string, ETCD_CERT_FILE: f.cert as string, ETCD_KEY_FILE: f.key as string };
    expect(await runCli(['apply', '-f', tutorialPath('default-ipv4-ippool.yaml')], { env })).toEqual({
      code: 0,
      stdout: "Successfully applied 1 'IPPool' resource(s)\n",
      stderr: '',
    });
    expect((await runCli(['get', 'ippools'], { env })).stdout).toBe('NAME                  CIDR            SELECTOR\ndefault-ipv4-ippool   10.244.0.0/16   all()\n\n');
  });

  it('reads the same settings from a CalicoAPIConfig file', async () => {
    const f = files();
    const cfg = path.join(dir, 'calicoctl.cfg');
    fs.writeFileSync(
      cfg,
      `apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nmetadata:\nspec:\n  datastoreType: etcdv3\n  etcdEndpoints: ${endpoint}\n  etcdCACertFile: ${f.ca}\n  etcdCertFile: ${f.cert}\n  etcdKeyFile: ${f.key}\n`,
    );
    expect((await runCli(['get', 'ippool', 'default-ipv4-ippool', '-o', 'name', '-c', cfg])).stdout).toBe('ippool/default-ipv4-ippool\n');
  });

  it('fails in one line, without a stack trace, when the client certificate is missing', async () => {
    const f = files();
    const r = await runCli(['get', 'ippools'], { env: { ETCD_ENDPOINTS: endpoint, ETCD_CA_CERT_FILE: f.ca as string }, timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Failed to get resources: .*unavailable/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    const missing = await runCli(['get', 'ippools'], { env: { ETCD_ENDPOINTS: endpoint, ETCD_CA_CERT_FILE: path.join(dir, 'nope.crt') } });
    expect(missing.stderr).toBe(`Failed to create Gingham API client: etcdCACertFile ${path.join(dir, 'nope.crt')}: ENOENT: no such file or directory, open '${path.join(dir, 'nope.crt')}'\n`);
  });
});
