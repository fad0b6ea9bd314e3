// The long-lived half of what a CNI command works with, narrowed to what the plugin needs from the cluster: IPAM by
// handle, the WorkloadEndpoint written and deleted, readiness (CNI 1.1 STATUS) and the node's pod CIDR (host-local's
// usePodCidr). The standalone plugin builds one per invocation on a fresh datastore client (cmd/cni-context.ts); the
// node agent builds one at start on its own client and shares it between calls (node/cni-server.ts).
import type { Datastore } from '../datastore/datastore';
import { nodePodCidr } from './pod-cidr';
import type { CniIpam } from './cni-ipam';
import { deleteWorkloadEndpoint, writeWorkloadEndpoint, type CachedEndpoint, type EndpointDeletion, type WorkloadIdentity } from './workload-endpoint';
import type { WorkloadEndpoint } from '../api/kind-workload-endpoint';

export interface CniEndpoints {
  /** Creates the endpoint or replaces the stored one. */
  write(wep: WorkloadEndpoint): Promise<void>;
  /** Deletes the endpoint if it belongs to this container (another container's is kept: 'other-container'). */
  delete(id: WorkloadIdentity): Promise<EndpointDeletion>;
}

export interface CniBackend {
  readonly ipam: CniIpam;
  readonly endpoints: CniEndpoints;
  /** Resolves when ADD can be served; throws (any error) when it cannot. */
  ready(): Promise<void>;
  /** The node's pod CIDR of the family (Node status.podCIDRs); a CniError code 7 when it has none. */
  podCidr(nodename: string, family?: 4 | 6): Promise<string>;
}

export interface DatastoreBackendOptions {
  /** Runs once an endpoint is stored (the node agent waits there for the endpoint's policy to reach the kernel). */
  readonly afterWrite?: (stored: WorkloadEndpoint) => Promise<void>;
  /** A watch cache's endpoints (the node agent's): DEL then deletes with one request instead of two. */
  readonly cachedEndpoint?: CachedEndpoint;
}

/** A backend on a datastore client: every call goes to the datastore. */
export function datastoreBackend(ds: Datastore, ipam: CniIpam, opts: DatastoreBackendOptions = {}): CniBackend {
  return {
    ipam,
    endpoints: {
      write: async (wep) => {
        const stored = await writeWorkloadEndpoint(ds, wep);
        await opts.afterWrite?.(stored);
      },
      delete: (id) => deleteWorkloadEndpoint(ds, id, opts.cachedEndpoint),
    },
    ready: async () => {
      await ds.list('IPPool');
    },
    podCidr: (nodename, family) => nodePodCidr(ds, nodename, family),
  };
}
