import { CNI_ERR, CniError } from './cni-error';
import { parseNetConf, peekVersion, DEFAULT_MTU_FILE, DEFAULT_IPAM_LOCK_FILE } from './cni-config';

const base = {
  cniVersion: '1.0.0',
  name: 'k8s-pod-network',
  type: 'gingham',
  datastore_type: 'etcdv3',
  etcd_endpoints: 'http://127.0.0.1:2379',
  ipam: { type: 'gingham-ipam' },
};

function fails(text: string): CniError {
  try {
    parseNetConf(text);
  } catch (err) {
    if (err instanceof CniError) return err;
    throw err;
  }
  throw new Error('parseNetConf accepted ' + text);
}

describe('parseNetConf', () => {
  it('reads a Calico-style configuration with defaults', () => {
    const c = parseNetConf(JSON.stringify({ ...base, mtu: 1440, kubernetes: { kubeconfig: '/etc/cni/net.d/gingham-kubeconfig' }, unknownKey: 1 }));
    expect(c).toMatchObject({
      cniVersion: '1.0.0',
      name: 'k8s-pod-network',
      mtu: 1440,
      mtuFile: DEFAULT_MTU_FILE,
      datastoreType: 'etcdv3',
      etcdEndpoints: ['http://127.0.0.1:2379'],
      kubeconfig: '/etc/cni/net.d/gingham-kubeconfig',
      ipamLockFile: DEFAULT_IPAM_LOCK_FILE,
      ipamLockTimeoutMs: 90000,
      interfacePrefix: 'cali',
    });
    expect(c.ipam).toMatchObject({ type: 'gingham-ipam', assignIpv4: true, assignIpv6: false });
  });

  it('accepts Calico string booleans and a string mtu', () => {
    const c = parseNetConf(JSON.stringify({ ...base, mtu: '1400', ipam: { type: 'gingham-ipam', assign_ipv4: 'true', assign_ipv6: 'true' } }));
    expect(c.mtu).toBe(1400);
    expect(c.ipam.assignIpv6).toBe(true);
  });

  const cases: Array<{ name: string; input: string; code: number; mentions: string }> = [
    { name: 'not JSON', input: '{"cniVersion": ', code: CNI_ERR.DECODE, mentions: 'not valid JSON' },
    { name: 'a JSON array', input: '[]', code: CNI_ERR.DECODE, mentions: 'JSON object' },
    { name: 'unsupported version', input: JSON.stringify({ ...base, cniVersion: '9.9.9' }), code: CNI_ERR.INCOMPATIBLE_VERSION, mentions: '"9.9.9"' },
    { name: 'missing cniVersion', input: JSON.stringify({ ...base, cniVersion: undefined }), code: CNI_ERR.INVALID_CONFIG, mentions: 'cniVersion' },
    { name: 'missing name', input: JSON.stringify({ ...base, name: undefined }), code: CNI_ERR.INVALID_CONFIG, mentions: 'name' },
    { name: 'bad datastore type', input: JSON.stringify({ ...base, datastore_type: 'consul' }), code: CNI_ERR.INVALID_CONFIG, mentions: 'datastore_type' },
    { name: 'etcd without endpoints', input: JSON.stringify({ ...base, etcd_endpoints: '' }), code: CNI_ERR.INVALID_CONFIG, mentions: 'etcd_endpoints' },
    { name: 'etcd endpoint not a URL', input: JSON.stringify({ ...base, etcd_endpoints: '127.0.0.1:2379' }), code: CNI_ERR.INVALID_CONFIG, mentions: 'etcd_endpoints[0]' },
    { name: 'mtu out of range', input: JSON.stringify({ ...base, mtu: 20 }), code: CNI_ERR.INVALID_CONFIG, mentions: 'mtu' },
    { name: 'mtu not a number', input: JSON.stringify({ ...base, mtu: 'big' }), code: CNI_ERR.INVALID_CONFIG, mentions: 'mtu' },
    { name: 'no ipam', input: JSON.stringify({ ...base, ipam: undefined }), code: CNI_ERR.INVALID_CONFIG, mentions: 'ipam' },
    { name: 'ipam without type', input: JSON.stringify({ ...base, ipam: {} }), code: CNI_ERR.INVALID_CONFIG, mentions: 'ipam.type' },
    { name: 'ipam assigns nothing', input: JSON.stringify({ ...base, ipam: { type: 'gingham-ipam', assign_ipv4: 'false' } }), code: CNI_ERR.INVALID_CONFIG, mentions: 'assign_ipv4' },
    { name: 'ipam pools not a list', input: JSON.stringify({ ...base, ipam: { type: 'gingham-ipam', ipv4_pools: 'p1' } }), code: CNI_ERR.INVALID_CONFIG, mentions: 'ipam.ipv4_pools' },
    { name: 'kubernetes not an object', input: JSON.stringify({ ...base, kubernetes: 'x' }), code: CNI_ERR.INVALID_CONFIG, mentions: 'kubernetes' },
    { name: 'bad interface prefix', input: JSON.stringify({ ...base, interface_prefix: 'calico' }), code: CNI_ERR.INVALID_CONFIG, mentions: 'interface_prefix' },
  ];
  it.each(cases)('rejects $name with code $code', ({ input, code, mentions }) => {
    const e = fails(input);
    expect(e.cniCode).toBe(code);
    expect(e.message).toContain(mentions);
  });

  it('peeks the version of an otherwise invalid configuration', () => {
    expect(peekVersion('{"cniVersion":"0.3.1"}')).toBe('0.3.1');
    expect(peekVersion('nope')).toBeUndefined();
  });
});
