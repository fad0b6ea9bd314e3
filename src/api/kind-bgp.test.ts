import { BGP_CONFIGURATION_DEFAULTS, effectiveBGPConfiguration } from './kind-bgp-configuration';
import { applyDefaults } from './resource';
import { make, problemsOf } from './testing';

type Case = { name: string; resName?: string; spec: Record<string, unknown>; want: string[] };

describe('BGPConfiguration validation', () => {
  const cases: Case[] = [
    { name: 'tutorial default', spec: { logSeverityScreen: 'Info', nodeToNodeMeshEnabled: false, asNumber: 63400 }, want: [] },
    { name: 'dotted AS', spec: { asNumber: '1.10' }, want: [] },
    { name: 'unquoted dotted AS reads as a float', spec: { asNumber: 1.1 }, want: ['spec.asNumber: dotted AS numbers must be quoted ("1.10")'] },
    { name: 'AS out of range', spec: { asNumber: 4294967296 }, want: ['spec.asNumber: "4294967296" is not a valid AS number (0-4294967295, or dotted "a.b")'] },
    { name: 'bad severity', spec: { logSeverityScreen: 'info' }, want: ['spec.logSeverityScreen: must be one of Trace, Debug, Info, Warning, Error, Fatal'] },
    { name: 'bad port', spec: { listenPort: 0 }, want: ['spec.listenPort: must be between 1 and 65535'] },
    { name: 'service CIDRs', spec: { serviceClusterIPs: [{ cidr: '10.96.0.0/12' }, { cidr: 'nope' }] }, want: ['spec.serviceClusterIPs[1].cidr: "nope" is not a valid CIDR'] },
    {
      name: 'communities and prefix advertisements',
      spec: {
        communities: [{ name: 'bgp-large-community', value: '63400:300:100' }, { name: 'bad', value: '70000:1' }],
        prefixAdvertisements: [{ cidr: '172.218.4.0/26', communities: ['bgp-large-community', '63400:120', 'unknown-name'] }],
      },
      want: [
        'spec.communities[1].value: standard community parts must be 0-65535',
        'spec.prefixAdvertisements[0].communities[2]: "unknown-name" is neither a defined community name nor a community value',
      ],
    },
    { name: 'bad duration', spec: { nodeMeshMaxRestartTime: '2 minutes' }, want: ['spec.nodeMeshMaxRestartTime: "2 minutes" is not a valid duration (e.g. "120s", "1m30s")'] },
    { name: 'bindMode', spec: { bindMode: 'All' }, want: ['spec.bindMode: must be one of None, NodeIP'] },
    { name: 'password needs name and key', spec: { nodeMeshPassword: { secretKeyRef: { name: 's' } } }, want: ['spec.nodeMeshPassword.secretKeyRef.key: is required'] },
    { name: 'local workload IP family', spec: { localWorkloadPeeringIPV4: 'fd00::1' }, want: ['spec.localWorkloadPeeringIPV4: must be an IPv4 address'] },
    { name: 'per-node listenPort is fine', resName: 'node.master1', spec: { listenPort: 1790, logSeverityScreen: 'Debug' }, want: [] },
    {
      name: 'per-node cannot switch the mesh',
      resName: 'node.master1',
      spec: { nodeToNodeMeshEnabled: false },
      want: ['spec.nodeToNodeMeshEnabled: may only be set on the BGPConfiguration named "default"'],
    },
  ];
  it.each(cases)('$name', ({ resName, spec, want }) => {
    expect(problemsOf(make('BGPConfiguration', resName ?? 'default', spec))).toEqual(want);
  });

  it('stores no defaults; effective values come from Calico defaults and overrides', () => {
    const res = make('BGPConfiguration', 'default', { asNumber: '1.10' });
    expect(applyDefaults(res)).toEqual(res);
    expect(effectiveBGPConfiguration(undefined)).toEqual(BGP_CONFIGURATION_DEFAULTS);
    const eff = effectiveBGPConfiguration({ asNumber: '1.10', nodeToNodeMeshEnabled: false, listenPort: 179 }, { listenPort: 1790 });
    expect(eff.asNumber).toBe(65546);
    expect(eff.nodeToNodeMeshEnabled).toBe(false);
    expect(eff.listenPort).toBe(1790);
  });
});

describe('BGPPeer validation', () => {
  const cases: Case[] = [
    { name: 'tutorial RR peer', spec: { nodeSelector: 'all()', peerSelector: 'route-reflector=="true"' }, want: [] },
    { name: 'brief form of the RR peer', spec: { nodeSelector: 'all()', peerSelector: "route-reflector == 'true'" }, want: [] },
    { name: 'global explicit peer', spec: { peerIP: '192.0.2.1', asNumber: 64512 }, want: [] },
    { name: 'peer with port', spec: { peerIP: '192.0.2.1:1179', asNumber: '64512' }, want: [] },
    { name: 'IPv6 peer with port', spec: { peerIP: '[fd00::1]:179', asNumber: 64512 }, want: [] },
    {
      name: 'all the knobs',
      spec: {
        node: 'node1',
        peerIP: '10.0.0.1',
        asNumber: 65001,
        localASNumber: '1.10',
        password: { secretKeyRef: { name: 'bgp', key: 'pw' } },
        sourceAddress: 'None',
        maxRestartTime: '15s',
        keepaliveTime: '30s',
        numAllowedLocalASNumbers: 2,
        ttlSecurity: 1,
        reachableBy: '10.0.0.254',
        filters: ['export-only'],
        nextHopMode: 'Self',
        reversePeering: 'Manual',
      },
      want: [],
    },
    { name: 'neither peerIP nor selector', spec: { asNumber: 64512 }, want: ['spec.peerIP: one of spec.peerIP, spec.peerSelector or spec.localWorkloadSelector is required'] },
    { name: 'peerIP without AS', spec: { peerIP: '10.0.0.1' }, want: ['spec.asNumber: is required with spec.peerIP'] },
    { name: 'node and nodeSelector', spec: { node: 'a', nodeSelector: 'all()', peerIP: '10.0.0.1', asNumber: 1 }, want: ['spec.nodeSelector: cannot be set together with spec.node'] },
    {
      name: 'peerSelector excludes peerIP and asNumber',
      spec: { peerSelector: 'has(rr)', peerIP: '10.0.0.1', asNumber: 1 },
      want: ['spec.peerIP: cannot be set together with spec.peerSelector', 'spec.asNumber: cannot be set together with spec.peerSelector'],
    },
    { name: 'bad peerIP', spec: { peerIP: '10.0.0.300', asNumber: 1 }, want: ['spec.peerIP: "10.0.0.300" must be an IP address, "IPv4:port" or "[IPv6]:port"'] },
    { name: 'bad port', spec: { peerIP: '10.0.0.1:70000', asNumber: 1 }, want: ['spec.peerIP: port must be between 1 and 65535'] },
    { name: 'bad selector', spec: { peerSelector: 'route-reflector = "true"' }, want: ['spec.peerSelector: invalid selector: expected "==" at column 17'] },
    { name: 'keep and nextHopMode', spec: { peerIP: '10.0.0.1', asNumber: 1, keepOriginalNextHop: true, nextHopMode: 'Keep' }, want: ['spec.nextHopMode: cannot be set together with spec.keepOriginalNextHop'] },
    { name: 'sourceAddress', spec: { peerIP: '10.0.0.1', asNumber: 1, sourceAddress: 'NodeIP' }, want: ['spec.sourceAddress: must be one of UseNodeIP, None'] },
    { name: 'ttlSecurity', spec: { peerIP: '10.0.0.1', asNumber: 1, ttlSecurity: 256 }, want: ['spec.ttlSecurity: must be between 0 and 255'] },
    { name: 'local workload peer needs AS', spec: { localWorkloadSelector: 'app == "bgp"' }, want: ['spec.asNumber: is required with spec.localWorkloadSelector'] },
  ];
  it.each(cases)('$name', ({ spec, want }) => {
    expect(problemsOf(make('BGPPeer', 'peer', spec))).toEqual(want);
  });
});

describe('BGPFilter validation', () => {
  const cases: Case[] = [
    {
      name: 'Calico docs example',
      spec: {
        exportV4: [
          { action: 'Accept', matchOperator: 'In', cidr: '77.0.0.0/16', prefixLength: { min: 18, max: 24 } },
          { action: 'Accept', source: 'RemotePeers', operations: [{ addCommunity: { value: '65000:100' } }, { prependASPath: { prefix: [65000, '1.10'] } }] },
        ],
        importV6: [{ action: 'Reject', matchOperator: 'NotIn', cidr: '9000::/64', peerType: 'iBGP' }],
      },
      want: [],
    },
    { name: 'action required', spec: { importV4: [{ cidr: '10.0.0.0/8', matchOperator: 'In' }] }, want: ['spec.importV4[0].action: is required'] },
    { name: 'cidr without operator', spec: { importV4: [{ action: 'Accept', cidr: '10.0.0.0/8' }] }, want: ['spec.importV4[0].matchOperator: cidr and matchOperator must be set together'] },
    { name: 'family mismatch', spec: { exportV6: [{ action: 'Accept', cidr: '10.0.0.0/8', matchOperator: 'Equal' }] }, want: ['spec.exportV6[0].cidr: must be an IPv6 CIDR in a V6 rule list'] },
    {
      name: 'prefix length bounds',
      spec: { exportV4: [{ action: 'Accept', cidr: '10.0.0.0/8', matchOperator: 'In', prefixLength: { min: 30, max: 33 } }] },
      want: ['spec.exportV4[0].prefixLength.max: must be between 0 and 32'],
    },
    {
      name: 'prefix length order',
      spec: { exportV4: [{ action: 'Accept', cidr: '10.0.0.0/8', matchOperator: 'In', prefixLength: { min: 24, max: 20 } }] },
      want: ['spec.exportV4[0].prefixLength: min must not exceed max'],
    },
    {
      name: 'operations only with Accept, exactly one each',
      spec: { exportV4: [{ action: 'Reject', operations: [{ setPriority: { value: 5 }, addCommunity: { value: '1:1' } }] }] },
      want: ['spec.exportV4[0].operations: are allowed only with action Accept', 'spec.exportV4[0].operations[0]: must set exactly one of addCommunity, prependASPath, setPriority'],
    },
  ];
  it.each(cases)('$name', ({ spec, want }) => {
    expect(problemsOf(make('BGPFilter', 'f', spec))).toEqual(want);
  });
});

describe('Node validation', () => {
  const cases: Case[] = [
    { name: 'tutorial route reflector', spec: { bgp: { ipv4Address: '10.0.0.12/16', ipv4IPIPTunnelAddr: '10.244.0.1', routeReflectorClusterID: '1.1.1.1' } }, want: [] },
    {
      name: 'full node',
      spec: {
        bgp: { asNumber: 64513, ipv4Address: '10.0.0.13', ipv6Address: 'fd00::13/64' },
        ipv4VXLANTunnelAddr: '10.244.1.0',
        vxlanTunnelMACAddr: '66:1f:6e:7a:7e:b5',
        orchRefs: [{ nodeName: 'node1', orchestrator: 'k8s' }],
        addresses: [{ address: '10.0.0.13/24', type: 'InternalIP' }, { address: '10.0.0.13', type: 'CalicoNodeIP' }],
      },
      want: [],
    },
    { name: 'bad RR cluster id', spec: { bgp: { routeReflectorClusterID: '1.1.1' } }, want: ['spec.bgp.routeReflectorClusterID: must be an IPv4-formatted cluster ID such as 1.1.1.1'] },
    { name: 'v6 in ipv4Address', spec: { bgp: { ipv4Address: 'fd00::1/64' } }, want: ['spec.bgp.ipv4Address: must be an IPv4 address'] },
    { name: 'bad tunnel address', spec: { bgp: { ipv4IPIPTunnelAddr: '10.244.0.1/32' } }, want: ['spec.bgp.ipv4IPIPTunnelAddr: "10.244.0.1/32" is not a valid IP address'] },
    { name: 'bad MAC', spec: { vxlanTunnelMACAddr: '66:1f:6e' }, want: ['spec.vxlanTunnelMACAddr: "66:1f:6e" is not a MAC address (aa:bb:cc:dd:ee:ff)'] },
    { name: 'address type', spec: { addresses: [{ address: '10.0.0.1', type: 'Internal' }] }, want: ['spec.addresses[0].type: must be one of InternalIP, ExternalIP, CalicoNodeIP'] },
    { name: 'bad AS', spec: { bgp: { asNumber: -1 } }, want: ['spec.bgp.asNumber: "-1" is not a valid AS number (0-4294967295, or dotted "a.b")'] },
  ];
  it.each(cases)('$name', ({ spec, want }) => {
    expect(problemsOf(make('Node', 'master1', spec))).toEqual(want);
  });

  it('label values are checked as Kubernetes label values', () => {
    expect(problemsOf(make('Node', 'n', {}, { labels: { 'route-reflector': 'true' } }))).toEqual([]);
    expect(problemsOf(make('Node', 'n', {}, { labels: { 'bad key!': 'x', ok: 'has space' } }))).toEqual([
      'metadata.labels.bad key!: is not a valid label key',
      'metadata.labels.ok: "has space" is not a valid label value',
    ]);
  });
});
