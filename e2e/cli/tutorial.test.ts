// The tutorial's resources applied verbatim with the real `gingham` binary (a separate process, configured as an
// operator configures it) on a real etcd and on the Kubernetes API server TEST FIXTURE (e2e/k8s-fixture, with the
// CRDs from charts/gingham/crds installed the way `kubectl apply -f charts/gingham/crds` would), then read back with
// `gingham get -o yaml`: equal to what was applied plus Calico's defaults. Also `kubectl gingham` through kubectl's
// real plugin lookup, and the all-or-nothing rule on both backends.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { KINDS as DATASTORE_KINDS } from '../../src/datastore/kinds';
import { endpointFromKubeconfig, HttpKubeApi } from '../../src/datastore/kubernetes/http-api';
import type { KubeObject } from '../../src/datastore/kubernetes/kube-api';
import { expectedReadBack, readBack, TUTORIAL_KUBERNETES_POLICY, TUTORIAL_MANIFESTS, tutorialPath } from '../../src/cli/testing/tutorial';
import type { Resource } from '../../src/api/resource';
import { startKubeFixture } from '../k8s-fixture/server';
import { startEtcd } from '../lib/etcd';
import { requireTools } from '../lib/tools';
import { REPO, requireBuiltCli, runCli, type CliRun } from './gingham-cli';

const CRD_DIR = path.join(REPO, 'charts', 'gingham', 'crds');

/** The tutorial's deny-all policy as a Calico v3 NetworkPolicy (our translation; the tutorial's own is Kubernetes'). */
const CALICO_DENY_ALL = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: deny-all-ingress
spec:
  selector: all()
  types: ["Ingress", "Egress"]
`;

interface Backend {
  /** What `get -o yaml` shows for a resource applied from a tutorial file on this backend. */
  expected(file: string): Resource;
  /** Runs `gingham <args>` against this backend. */
  gingham(args: readonly string[], stdin?: string): Promise<CliRun>;
  /** Runs `kubectl gingham <args>` (kubectl finds kubectl-gingham on the PATH). */
  kubectlGingham(args: readonly string[]): Promise<CliRun>;
  cleanup(): Promise<void>;
}

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A bin directory with kubectl-gingham (a wrapper running the built binary) for kubectl's plugin lookup. */
function pluginBin(dir: string): string {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const wrapper = path.join(bin, 'kubectl-gingham');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${path.join(REPO, 'dist', 'cmd', 'gingham.js')}" "$@"\n`, { mode: 0o755 });
  return bin;
}

function backendCommands(dir: string, env: Record<string, string>, extraArgs: readonly string[]): Pick<Backend, 'gingham' | 'kubectlGingham'> {
  const pathEnv = `${pluginBin(dir)}:${process.env.PATH ?? '/usr/bin:/bin'}`;
  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  const all = { ...env, HOME: home, PATH: pathEnv };
  return {
    gingham: (args, stdin) => runCli([...args, ...extraArgs], { env: all, ...(stdin !== undefined ? { stdin } : {}) }),
    kubectlGingham: (args) => runCli([...args, ...extraArgs], { env: all, command: ['kubectl', 'gingham'] }),
  };
}

/**
 * Kubernetes mode keeps a Node on the Kubernetes Node, and reads back what Calico's KDD conversion derives from it
 * (libcalico-go backend/k8s/resources/node.go K8sNodeToCalico): orchRefs naming the Kubernetes node, the BGP address
 * in spec.addresses, and the Kubernetes labels echoed in the projectcalico.org/kube-labels annotation. The Kubernetes
 * Node here is registered without labels (as the fixture's kubelet stand-in does below), so the tutorial's labels are
 * Calico labels (kept in projectcalico.org/labels) and kube-labels is empty.
 */
function kubernetesModeView(res: Resource): Resource {
  if (res.kind !== 'Node') return res;
  const spec = (res.spec ?? {}) as { bgp?: { ipv4Address?: string } };
  return {
    ...res,
    metadata: { ...res.metadata, annotations: { 'projectcalico.org/kube-labels': '{}' } },
    spec: {
      ...spec,
      ...(spec.bgp?.ipv4Address ? { addresses: [{ address: spec.bgp.ipv4Address, type: 'CalicoNodeIP' }] } : {}),
      orchRefs: [{ nodeName: res.metadata.name, orchestrator: 'k8s' }],
    },
  };
}

/** etcd mode, configured from the environment (DATASTORE_TYPE, ETCD_ENDPOINTS), as calicoctl is. */
async function etcdBackend(): Promise<Backend> {
  const etcd = await startEtcd();
  const dir = tempDir('gingham-cli-etcd-');
  return {
    expected: expectedReadBack,
    ...backendCommands(dir, { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: etcd.endpoint }, []),
    cleanup: async () => {
      await etcd.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Kubernetes mode, configured by a CalicoAPIConfig file passed with --config, as the tutorial configures calicoctl. */
async function kubernetesBackend(): Promise<Backend> {
  const fx = await startKubeFixture({ calicoCrds: false });
  const api = new HttpKubeApi(endpointFromKubeconfig(fx.kubeconfig));
  try {
    for (const file of fs.readdirSync(CRD_DIR).sort()) {
      const crd = parseYaml(fs.readFileSync(path.join(CRD_DIR, file), 'utf8')) as KubeObject;
      await api.create({ group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions' }, crd);
    }
    // The tutorial creates its namespace with kubectl before applying policies to it.
    await api.create({ group: '', version: 'v1', plural: 'namespaces' }, { metadata: { name: 'develop' } });
    // In Kubernetes mode a Calico Node is a view of the Kubernetes Node, which the kubelet registers; the tutorial's
    // `apply` of master1 then updates it (create and delete of a Node are refused, as Calico refuses them).
    await api.create({ group: '', version: 'v1', plural: 'nodes' }, { metadata: { name: 'master1' } });
  } finally {
    api.close();
  }
  const dir = tempDir('gingham-cli-k8s-');
  const kubeconfig = path.join(dir, 'admin.conf');
  fs.writeFileSync(kubeconfig, fx.kubeconfig, { mode: 0o600 });
  const cfg = path.join(dir, 'gingham.cfg');
  fs.writeFileSync(cfg, `apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nmetadata:\nspec:\n  datastoreType: "kubernetes"\n  kubeconfig: "${kubeconfig}"\n`);
  return {
    expected: (file) => kubernetesModeView(expectedReadBack(file)),
    ...backendCommands(dir, {}, ['--config', cfg]),
    cleanup: async () => {
      await fx.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const haveTools = requireTools('gingham CLI e2e', ['etcd', 'kubectl']);

it('every CRD the kubernetes datastore uses is in charts/gingham/crds', () => {
  const files = new Set(fs.readdirSync(CRD_DIR));
  const missing = DATASTORE_KINDS.filter((k) => k.crd !== null && !files.has(`${k.crd.group ?? 'crd.projectcalico.org'}_${k.crd.plural}.yaml`)).map((k) => k.kind);
  expect(missing).toEqual([]);
});

const BACKENDS: ReadonlyArray<[string, () => Promise<Backend>]> = [
  ['etcdv3 (real etcd, configured from the environment)', etcdBackend],
  ['kubernetes (API server fixture with the chart CRDs, configured by a CalicoAPIConfig file)', kubernetesBackend],
];

(haveTools ? describe.each(BACKENDS) : describe.skip.each(BACKENDS))('gingham CLI on %s', (_name, start) => {
  let be: Backend;
  beforeAll(async () => {
    requireBuiltCli();
    if (fs.existsSync('/etc/gingham/gingham.cfg')) throw new Error('/etc/gingham/gingham.cfg exists on this machine and would override the test configuration');
    be = await start();
  });
  afterAll(async () => {
    await be?.cleanup();
  });

  it("applies the tutorial's resources verbatim and reads each back with get -o yaml, equal to it plus defaults", async () => {
    for (const { file, get } of TUTORIAL_MANIFESTS) {
      const applied = await be.gingham(['apply', '-f', tutorialPath(file)]);
      expect({ file, ...applied }).toEqual({ file, code: 0, stdout: expect.stringMatching(/^Successfully applied 1 '\w+' resource\(s\)\n$/), stderr: '' });
      const got = await be.gingham(['get', ...get, '-o', 'yaml']);
      expect({ file, code: got.code, stderr: got.stderr }).toEqual({ file, code: 0, stderr: '' });
      expect({ file, resource: readBack(got.stdout) }).toEqual({ file, resource: be.expected(file) });
    }
  });

  it('prints the tables the tutorial shows, also as `kubectl gingham`', async () => {
    expect((await be.gingham(['get', 'ippools'])).stdout).toBe('NAME                  CIDR            SELECTOR\ndefault-ipv4-ippool   10.244.0.0/16   all()\n\n');
    const nodes = await be.kubectlGingham(['get', 'nodes']);
    expect(nodes).toEqual({ code: 0, stdout: 'NAME\nmaster1\n\n', stderr: '' });
    expect((await be.gingham(['get', 'bgppeers'])).stdout).toBe('NAME           PEERIP   NODE    ASN\nbgppeer-demo            all()   0\n\n');
    expect((await be.gingham(['get', 'bgpconfig'])).stdout).toBe('NAME      LOGSEVERITY   MESHENABLED   ASNUMBER\ndefault   Info          false         63400\n\n');
  });

  it("refuses the tutorial's Kubernetes NetworkPolicy and applies its Calico equivalent in the tutorial's namespace", async () => {
    const k8s = await be.gingham(['apply', '-f', tutorialPath(TUTORIAL_KUBERNETES_POLICY)]);
    expect(k8s.code).toBe(1);
    expect(k8s.stderr).toContain('document 1: apiVersion "networking.k8s.io/v1" is not supported');
    const applied = await be.gingham(['apply', '-f', '-', '-n', 'develop'], CALICO_DENY_ALL);
    expect(applied).toEqual({ code: 0, stdout: "Successfully applied 1 'NetworkPolicy' resource(s)\n", stderr: '' });
    const got = await be.gingham(['get', 'networkpolicy', 'deny-all-ingress', '-n', 'develop', '-o', 'yaml']);
    expect(readBack(got.stdout)).toEqual({
      apiVersion: 'projectcalico.org/v3',
      kind: 'NetworkPolicy',
      metadata: { name: 'deny-all-ingress', namespace: 'develop' },
      spec: { selector: 'all()', tier: 'default', types: ['Ingress', 'Egress'] },
    });
    expect((await be.gingham(['get', 'policy', '-A'])).stdout).toBe('NAMESPACE   NAME               TIER\ndevelop     deny-all-ingress   default\n\n');
    expect((await be.gingham(['delete', '-f', '-', '-n', 'develop'], CALICO_DENY_ALL)).stdout).toBe("Successfully deleted 1 'NetworkPolicy' resource(s)\n");
  });

  it('writes nothing when document 3 of a multi-document apply is invalid, and says where', async () => {
    const docs = ['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/33', '10.4.0.0/16'].map(
      (cidr, i) => `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: extra-${i + 1}\nspec:\n  cidr: ${cidr}\n`,
    );
    const r = await be.gingham(['apply', '-f', '-'], docs.join('---\n'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Failed to apply any 'IPPool' resources: \[<stdin>: document 3: IPPool extra-3: spec\.cidr: /);
    expect((await be.gingham(['get', 'ippools', '-o', 'name'])).stdout).toBe('ippool/default-ipv4-ippool\n');
  });

  it('keeps the pool CIDR immutable, switches the pool to Always as the tutorial edits it, and labels the node', async () => {
    const moved = await be.gingham(['apply', '-f', '-'], fs.readFileSync(tutorialPath('default-ipv4-ippool.yaml'), 'utf8').replace('10.244.0.0/16', '10.245.0.0/16'));
    expect(moved.code).toBe(1);
    expect(moved.stderr).toContain('spec.cidr: is immutable (was "10.244.0.0/16", now "10.245.0.0/16")');
    expect((await be.gingham(['patch', 'ippool', 'default-ipv4-ippool', '-p', '{"spec":{"ipipMode":"Always"}}'])).stdout).toBe("Successfully patched 1 'IPPool' resource\n");
    const wide = await be.gingham(['get', 'ippools', '-o', 'wide']);
    expect(wide.stdout).toContain('default-ipv4-ippool   10.244.0.0/16   true   Always     Never       false      false              all()');
    expect((await be.gingham(['label', 'node', 'master1', 'zone=a'])).stdout).toBe('Successfully set label zone on node master1\n');
    const node = readBack((await be.gingham(['get', 'node', 'master1', '-o', 'yaml'])).stdout);
    expect(node.metadata.labels).toEqual({ 'route-reflector': 'true', zone: 'a' });
  });

  it('deletes by name, and reports what does not exist', async () => {
    expect((await be.gingham(['delete', 'bgppeer', 'bgppeer-demo'])).stdout).toBe("Successfully deleted 1 'BGPPeer' resource(s)\n");
    const again = await be.gingham(['delete', 'bgppeer', 'bgppeer-demo']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe("Failed to delete 'BGPPeer' resource: [resource does not exist: BGPPeer(bgppeer-demo)]\n");
    expect((await be.gingham(['get', 'bgppeers', '-o', 'name'])).stdout).toBe('');
  });
});

(haveTools ? describe : describe.skip)('gingham CLI on the Kubernetes API fixture, configured by endpoint instead of a kubeconfig', () => {
  it('reads K8S_API_ENDPOINT, K8S_CA_FILE and K8S_API_TOKEN (as calicoctl does) and refuses a wrong token clearly', async () => {
    requireBuiltCli();
    const fx = await startKubeFixture();
    const dir = tempDir('gingham-cli-k8s-endpoint-');
    try {
      const ca = path.join(dir, 'ca.crt');
      fs.writeFileSync(ca, fx.ca);
      const env = { DATASTORE_TYPE: 'kubernetes', K8S_API_ENDPOINT: fx.url, K8S_CA_FILE: ca, K8S_API_TOKEN: fx.token ?? '', HOME: dir };
      expect(await runCli(['apply', '-f', tutorialPath('02-calico-reflector-bgppeer.yaml')], { env })).toEqual({
        code: 0,
        stdout: "Successfully applied 1 'BGPPeer' resource(s)\n",
        stderr: '',
      });
      expect((await runCli(['get', 'bgppeers', '-o', 'name'], { env })).stdout).toBe('bgppeer/bgppeer-demo\n');
      const denied = await runCli(['get', 'bgppeers'], { env: { ...env, K8S_API_TOKEN: 'wrong' } });
      expect(denied.code).toBe(1);
      expect(denied.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(denied.stderr).toMatch(/^Failed to get resources: .*401.*Unauthorized/);
    } finally {
      await fx.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
