// The node's pod CIDR for `ipam: {type: host-local, subnet: usePodCidr}`: the first IPv4 entry of the Node's
// status.podCIDRs (the Kubernetes datastore fills it from the core Node's spec.podCIDRs; in etcd mode the operator or
// `gingham node` records it). Missing is a configuration error naming the node.
import type { CalicoNode } from '../api/kind-node';
import type { Datastore } from '../datastore/datastore';
import { NotFoundError } from '../datastore/errors';
import { CNI_ERR, CniError } from './cni-error';

export async function nodePodCidr(ds: Datastore, nodename: string, family: 4 | 6 = 4): Promise<string> {
  let node: CalicoNode;
  try {
    node = await ds.get<CalicoNode>('Node', nodename);
  } catch (err) {
    if (err instanceof NotFoundError) throw new CniError(CNI_ERR.INVALID_CONFIG, `ipam.subnet usePodCidr: node ${nodename} is not in the datastore`);
    throw err;
  }
  const cidr = (node.status?.podCIDRs ?? []).find((c) => c.includes(':') === (family === 6));
  if (cidr === undefined) throw new CniError(CNI_ERR.INVALID_CONFIG, `ipam.subnet usePodCidr: node ${nodename} has no IPv${family} pod CIDR (status.podCIDRs)`);
  return cidr;
}
