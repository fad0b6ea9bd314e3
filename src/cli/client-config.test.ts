import { clientConfigFromEnv, ClientConfigError, DEFAULT_CONFIG_PATH, loadClientConfig, parseClientConfig, type ConfigIo } from './client-config';

function io(files: Record<string, string> = {}, env: Record<string, string> = {}, home?: string): ConfigIo {
  return { readFile: (p) => files[p], exists: (p) => p in files, env, ...(home ? { home } : {}) };
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ClientConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ClientConfigError');
}

describe('client configuration', () => {
  it("reads the tutorial's CalicoAPIConfig file verbatim (trailing spaces, empty metadata)", () => {
    // The tutorial (see src/api/testdata/tutorial/README.md), lines 1391-1396: /etc/calico/calicoctl.cfg as the tutorial writes it.
    const text = 'apiVersion: projectcalico.org/v3  \nkind: CalicoAPIConfig  \nmetadata:  \nspec:  \n  datastoreType: "kubernetes"  \n  kubeconfig: "/etc/kubernetes/admin.conf"\n';
    const cfg = parseClientConfig(text, '/etc/gingham/gingham.cfg', io());
    expect(cfg.datastoreType).toBe('kubernetes');
    expect(cfg.kubernetes.kubeconfig).toBe('/etc/kubernetes/admin.conf');
    expect(cfg.source).toBe('/etc/gingham/gingham.cfg');
  });

  it('reads an etcd CalicoAPIConfig with TLS files and the short form with the same fields', () => {
    const spec = { etcdEndpoints: 'https://10.0.0.1:2379, https://10.0.0.2:2379', etcdKeyFile: '/k', etcdCertFile: '/c', etcdCACertFile: '/ca' };
    const full = parseClientConfig(JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'CalicoAPIConfig', spec }), 'f', io());
    const short = parseClientConfig(JSON.stringify(spec), 'f', io());
    for (const cfg of [full, short]) {
      expect(cfg.datastoreType).toBe('etcdv3');
      expect(cfg.etcd).toEqual({ endpoints: ['https://10.0.0.1:2379', 'https://10.0.0.2:2379'], keyFile: '/k', certFile: '/c', caCertFile: '/ca' });
    }
  });

  const bad: Array<{ name: string; text: string; want: string }> = [
    { name: 'wrong apiVersion', text: 'apiVersion: v1\nkind: CalicoAPIConfig\n', want: "invalid config file f: unknown APIVersion 'v1'" },
    { name: 'wrong kind', text: 'apiVersion: projectcalico.org/v3\nkind: IPPool\n', want: "expected kind 'CalicoAPIConfig', got 'IPPool'" },
    { name: 'unknown spec field', text: 'apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nspec:\n  etcdEndpoint: x\n', want: 'f: spec.etcdEndpoint: unknown field (did you mean etcdEndpoints?)' },
    { name: 'bad datastore type', text: 'datastoreType: etcd\n', want: 'f: datastoreType: must be etcdv3 or kubernetes (got "etcd")' },
    { name: 'bad endpoint', text: 'etcdEndpoints: 127.0.0.1:2379\n', want: 'f: etcdEndpoints: "127.0.0.1:2379" is not an endpoint URL' },
    { name: 'bool field as string', text: 'k8sInsecureSkipTLSVerify: "yes please"\n', want: 'f: k8sInsecureSkipTLSVerify: must be true or false' },
    { name: 'certificate without key', text: 'etcdEndpoints: https://a:1\netcdCertFile: /c\n', want: 'f: etcdKeyFile: is required' },
    { name: 'not YAML', text: 'a: [\n', want: 'syntax error in f' },
  ];
  it.each(bad)('refuses a file with $name, naming the field', ({ text, want }) => {
    expect(errorOf(() => parseClientConfig(text, 'f', io()))).toContain(want);
  });

  it('reads the environment like calicoctl: plain names, CALICO_ prefix wins, datastore type detected', () => {
    expect(clientConfigFromEnv(io({}, { ETCD_ENDPOINTS: 'http://127.0.0.1:2379' })).datastoreType).toBe('etcdv3');
    const cfg = clientConfigFromEnv(io({}, { DATASTORE_TYPE: 'etcdv3', CALICO_ETCD_ENDPOINTS: 'http://a:1', ETCD_ENDPOINTS: 'http://b:2', ETCD_USERNAME: 'u', ETCD_PASSWORD: 'p' }));
    expect(cfg.etcd).toEqual({ endpoints: ['http://a:1'], username: 'u', password: 'p' });
    expect(cfg.source).toBe('environment');
    const k = clientConfigFromEnv(io({}, { KUBECONFIG: '/a/config:/b/config', K8S_INSECURE_SKIP_TLS_VERIFY: 'true' }));
    expect(k.datastoreType).toBe('kubernetes');
    expect(k.kubernetes).toEqual({ kubeconfig: '/a/config', insecureSkipTLSVerify: true });
    expect(errorOf(() => clientConfigFromEnv(io({}, { K8S_INSECURE_SKIP_TLS_VERIFY: 'maybe' })))).toBe(
      'environment variable K8S_INSECURE_SKIP_TLS_VERIFY: must be true or false (got "maybe")',
    );
    expect(errorOf(() => clientConfigFromEnv(io({}, { DATASTORE_TYPE: 'consul' })))).toBe(
      'environment variable DATASTORE_TYPE: must be etcdv3 or kubernetes (got "consul")',
    );
  });

  it('defaults: etcdv3 without endpoints uses the local etcd; kubernetes uses ~/.kube/config when it exists', () => {
    expect(clientConfigFromEnv(io({}, { DATASTORE_TYPE: 'etcdv3' })).etcd.endpoints).toEqual(['http://127.0.0.1:2379']);
    expect(clientConfigFromEnv(io({ '/home/op/.kube/config': '' }, {}, '/home/op')).kubernetes.kubeconfig).toBe('/home/op/.kube/config');
    expect(clientConfigFromEnv(io({}, {}, '/home/op')).kubernetes).toEqual({});
  });

  it('chooses --config, else the default file when present, else the environment; never merges them', () => {
    const env = { ETCD_ENDPOINTS: 'http://env:1' };
    expect(loadClientConfig(undefined, io({}, env)).source).toBe('environment');
    const withDefault = loadClientConfig(undefined, io({ [DEFAULT_CONFIG_PATH]: 'etcdEndpoints: http://file:1\n' }, env));
    expect(withDefault.etcd.endpoints).toEqual(['http://file:1']);
    expect(loadClientConfig('/x.cfg', io({ '/x.cfg': 'datastoreType: kubernetes\n' }, env)).datastoreType).toBe('kubernetes');
    expect(errorOf(() => loadClientConfig('/missing.cfg', io({}, env)))).toBe('error reading config file /missing.cfg: no such file');
  });
});
