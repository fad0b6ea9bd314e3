import { PEER_TYPE_TEXT } from './kind-calico-node-status';
import { FELIX_DEFAULTS } from './kind-felix-configuration';
import { workloadEndpointName } from './kind-workload-endpoint';
import { applyDefaults } from './resource';
import { make, problemsOf } from './testing';

type Case = { name: string; resName?: string; spec: unknown; want: string[] };

describe('FelixConfiguration', () => {
  const cases: Case[] = [
    { name: 'typical', spec: { ipipEnabled: true, vxlanVNI: 4096, routeRefreshInterval: '90s', healthEnabled: true, healthPort: 9099, natPortRange: '32768:65535' }, want: [] },
    { name: 'Felix fields Gingham does not use are kept', spec: { bpfEnabled: false, iptablesBackend: 'Auto', chainInsertMode: 'Insert' }, want: [] },
    { name: 'VNI is 24 bits', spec: { vxlanVNI: 16777216 }, want: ['spec.vxlanVNI: must be between 1 and 16777215'] },
    { name: 'bad interval', spec: { routeRefreshInterval: '90' }, want: ['spec.routeRefreshInterval: "90" is not a valid duration (e.g. "120s", "1m30s")'] },
    { name: 'MTU range', spec: { vxlanMTU: -1 }, want: ['spec.vxlanMTU: must be between 0 and 65535'] },
    { name: 'typed field, wrong type', spec: { ipipEnabled: 'true' }, want: ['spec.ipipEnabled: must be true or false'] },
    { name: 'route source', spec: { routeSource: 'BGP' }, want: ['spec.routeSource: must be one of CalicoIPAM, WorkloadIPs'] },
    { name: 'flow logs on', spec: { flowLogsFileEnabled: true, flowLogsFileDirectory: '/var/log/x', flowLogsFileMaxFiles: 2, flowLogsFileMaxFileSizeMB: 10, flowLogsDeniedRateLimit: 500 }, want: [] },
    {
      name: 'flow log fields checked',
      spec: { flowLogsFileEnabled: 'yes', flowLogsFileDirectory: 'logs', flowLogsFileMaxFileSizeMB: 0, flowLogsDeniedRateLimit: 0 },
      want: ['spec.flowLogsFileEnabled: must be true or false'],
    },
    {
      name: 'flow log ranges',
      spec: { flowLogsFileDirectory: 'logs', flowLogsFileMaxFileSizeMB: 0, flowLogsDeniedRateLimit: 0 },
      want: ['spec.flowLogsFileMaxFileSizeMB: must be between 1 and 10240', 'spec.flowLogsDeniedRateLimit: must be between 1 and 1000000', 'spec.flowLogsFileDirectory: must be an absolute path'],
    },
    { name: 'nat port range order', spec: { natPortRange: '2000:1000' }, want: ['spec.natPortRange: must be a port or a range "min:max" within 1-65535'] },
    { name: 'route table range', spec: { routeTableRanges: [{ min: 10, max: 5 }] }, want: ['spec.routeTableRanges[0]: min must not exceed max'] },
    { name: 'bad regexp', spec: { mtuIfacePattern: '(' }, want: ['spec.mtuIfacePattern: is not a valid regular expression'] },
  ];
  it.each(cases)('$name', ({ spec, want }) => {
    expect(problemsOf(make('FelixConfiguration', 'default', spec))).toEqual(want);
  });

  it('stores no defaults and exposes Felix defaults', () => {
    const res = make('FelixConfiguration', 'default', { bpfEnabled: false });
    expect(applyDefaults(res)).toEqual(res);
    expect(FELIX_DEFAULTS.vxlanPort).toBe(4789);
    expect(FELIX_DEFAULTS.healthPort).toBe(9099);
  });
});

describe('ClusterInformation', () => {
  const cases: Case[] = [
    { name: 'as written by the node', spec: { clusterGUID: '0123456789abcdef0123456789abcdef', clusterType: 'k8s,bgp,kubeadm,kdd', calicoVersion: 'v0.1.0', datastoreReady: true }, want: [] },
    { name: 'name must be default', resName: 'x', spec: {}, want: ['metadata.name: must be "default"'] },
    { name: 'GUID format', spec: { clusterGUID: 'XYZ' }, want: ['spec.clusterGUID: must be 32 lower-case hex digits'] },
  ];
  it.each(cases)('$name', ({ resName, spec, want }) => {
    expect(problemsOf(make('ClusterInformation', resName ?? 'default', spec))).toEqual(want);
  });
});

describe('WorkloadEndpoint', () => {
  const good = {
    orchestrator: 'k8s',
    workload: '',
    node: 'node2',
    containerID: 'abc123',
    pod: 'pod-test',
    endpoint: 'eth0',
    serviceAccountName: 'default',
    ipNetworks: ['10.244.2.2/32'],
    profiles: ['kns.default', 'ksa.default.default'],
    interfaceName: 'cali9d1d28412ab',
    mac: 'ee:ee:ee:ee:ee:ee',
    ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
  };
  const cases: Case[] = [
    { name: 'CNI-written endpoint', spec: good, want: [] },
    { name: 'interface name required', spec: { ...good, interfaceName: '' }, want: ['spec.interfaceName: is required'] },
    { name: 'interface name too long', spec: { ...good, interfaceName: 'cali0123456789abc' }, want: ['spec.interfaceName: must be a Linux interface name of at most 15 characters'] },
    { name: 'bad network', spec: { ...good, ipNetworks: ['10.244.2.2'] }, want: ['spec.ipNetworks[0]: "10.244.2.2" is not a valid CIDR'] },
    { name: 'bad MAC', spec: { ...good, mac: 'ee-ee' }, want: ['spec.mac: "ee-ee" is not a MAC address (aa:bb:cc:dd:ee:ff)'] },
    { name: 'bad port', spec: { ...good, ports: [{ name: 'x', protocol: 'ICMP', port: 0 }] }, want: ['spec.ports[0].protocol: must be one of TCP, UDP, SCTP', 'spec.ports[0].port: must be between 1 and 65535'] },
  ];
  it.each(cases)('$name', ({ spec, want }) => {
    expect(problemsOf(make('WorkloadEndpoint', 'node2-k8s-pod--test-eth0', spec, { namespace: 'default' }))).toEqual(want);
  });

  it('names endpoints as Calico does, doubling dashes', () => {
    expect(workloadEndpointName('node2', 'pod-test')).toBe('node2-k8s-pod--test-eth0');
    expect(workloadEndpointName('my-node', 'web', 'eth1')).toBe('my--node-k8s-web-eth1');
  });
});

describe('CalicoNodeStatus', () => {
  const cases: Case[] = [
    { name: 'request', spec: { node: 'master1', classes: ['Agent', 'BGP', 'Routes'], updatePeriodSeconds: 10 }, want: [] },
    { name: 'node required', spec: { classes: ['BGP'] }, want: ['spec.node: is required'] },
    { name: 'bad class', spec: { node: 'n', classes: ['Peers'] }, want: ['spec.classes[0]: must be one of Agent, BGP, Routes'] },
  ];
  it.each(cases)('$name', ({ spec, want }) => {
    expect(problemsOf(make('CalicoNodeStatus', 'master1-status', spec))).toEqual(want);
  });

  it('accepts a status filled by the node and defaults the period', () => {
    const res = make('CalicoNodeStatus', 's', { node: 'master1' });
    res.status = {
      lastUpdated: '2021-10-09T06:34:39Z',
      bgp: {
        numberEstablishedV4: 1,
        numberEstablishedV6: 0,
        numberNotEstablishedV4: 0,
        numberNotEstablishedV6: 0,
        peersV4: [{ peerIP: '10.0.0.13', type: 'NodePeer', state: 'Established', since: '06:34:39' }],
      },
    };
    expect(problemsOf(res)).toEqual([]);
    expect(applyDefaults(res).spec).toEqual({ node: 'master1', updatePeriodSeconds: 10 });
    expect(PEER_TYPE_TEXT.NodeMesh).toBe('node-to-node mesh');
  });
});
