import type { WorkloadEndpoint } from '../api/kind-workload-endpoint';
import { assignFromBlock } from '../ipam/block-assign';
import { newBlockSpec } from '../ipam/block-ordinals';
import type { StoredBlock } from '../ipam/ipam-store';
import { parseCidr } from '../lib/ip';
import type { LinkInfo } from '../netlink/netlink';
import { containerOfHandle, planCniReconcile } from './cni-reconcile';

function block(owners: Array<{ handleId: string; node: string }>): StoredBlock {
  let spec = newBlockSpec(parseCidr('10.1.0.0/26'), 'host:n1', 1n);
  for (const o of owners) spec = assignFromBlock(spec, 1, { handleId: o.handleId, attrs: { node: o.node, pod: 'p' } }).spec;
  return { apiVersion: 'projectcalico.org/v3', kind: 'IPAMBlock', metadata: { name: '10-1-0-0-26' }, spec };
}

const wep = (containerID: string, iface: string): WorkloadEndpoint => ({
  apiVersion: 'projectcalico.org/v3',
  kind: 'WorkloadEndpoint',
  metadata: { name: `n1-k8s-${containerID}-eth0`, namespace: 'default' },
  spec: { node: 'n1', containerID, interfaceName: iface, orchestrator: 'k8s', endpoint: 'eth0', pod: containerID, ipNetworks: [] },
});

const link = (name: string, mac = 'ee:ee:ee:ee:ee:ee'): LinkInfo => ({ index: 1, name, mtu: 1500, mac, up: true }) as LinkInfo;

describe('planCniReconcile', () => {
  it('releases handles of this node whose container has no endpoint, and deletes our veths no endpoint names', () => {
    const plan = planCniReconcile({
      nodeName: 'n1',
      blocks: [block([{ handleId: 'net.aaa', node: 'n1' }, { handleId: 'net.bbb', node: 'n1' }, { handleId: 'net.ccc', node: 'n2' }, { handleId: 'ipip-tunnel-addr-n1', node: 'n1' }])],
      endpoints: [wep('aaa', 'cali1')],
      links: [link('cali1'), link('cali2'), link('cali3', '02:00:00:00:00:01'), link('eth0')],
    });
    expect(plan).toEqual({ releaseHandles: ['net.bbb'], deleteLinks: ['cali2'] });
  });

  it('reads the container ID off a CNI handle only', () => {
    expect(containerOfHandle('k8s-pod-network.abc123')).toBe('abc123');
    expect(containerOfHandle('vxlan-tunnel-addr-n1')).toBeUndefined();
    expect(containerOfHandle('net.')).toBeUndefined();
  });
});
