// What the node agent's CNI service repairs before it serves (an agent killed in the middle of ADDs leaves work half
// done): addresses this node's CNI allocated for containers that have no WorkloadEndpoint (the ADD never finished: the
// runtime will retry it and get a fresh address, or delete the sandbox), and host veths of ours (cali*, MAC
// ee:ee:ee:ee:ee:ee) that no WorkloadEndpoint names. Endpoints are kept: their pods exist until the runtime says
// otherwise (DEL). Antrea's agent reconciles the same way at start (antrea-io/antrea:pkg/agent/cniserver/server.go
// reconcile()). Pure planning here; startNodeCni applies the plan before it opens the socket.
import type { WorkloadEndpoint } from '../api/kind-workload-endpoint';
import { allocatedOrdinals } from '../ipam/block-query';
import type { StoredBlock } from '../ipam/ipam-store';
import type { LinkInfo } from '../netlink/netlink';
import { HOST_VETH_MAC } from '../cni/veth-name';

export interface CniReconcileInput {
  readonly nodeName: string;
  readonly blocks: readonly StoredBlock[];
  /** Every WorkloadEndpoint the agent knows (its cache). */
  readonly endpoints: readonly WorkloadEndpoint[];
  /** The node's links. */
  readonly links: readonly LinkInfo[];
  /** Host veth name prefix (CNI interfacePrefix). Default cali. */
  readonly interfacePrefix?: string;
}

export interface CniReconcilePlan {
  /** IPAM handles to release. */
  readonly releaseHandles: string[];
  /** Host links to delete. */
  readonly deleteLinks: string[];
}

/** The container ID of a CNI handle "<network>.<containerID>"; undefined for other handles (tunnel addresses). */
export function containerOfHandle(handleId: string): string | undefined {
  const dot = handleId.lastIndexOf('.');
  return dot > 0 && dot < handleId.length - 1 ? handleId.slice(dot + 1) : undefined;
}

export function planCniReconcile(input: CniReconcileInput): CniReconcilePlan {
  const prefix = input.interfacePrefix ?? 'cali';
  const containers = new Set(input.endpoints.map((w) => w.spec?.containerID).filter((c): c is string => c !== undefined && c !== ''));
  const interfaces = new Set(input.endpoints.filter((w) => w.spec?.node === input.nodeName).map((w) => w.spec?.interfaceName));
  const handles = new Set<string>();
  for (const b of input.blocks) {
    for (const o of allocatedOrdinals(b.spec)) {
      if (o.handleId === undefined || o.attrs['node'] !== input.nodeName) continue;
      const container = containerOfHandle(o.handleId);
      if (container !== undefined && !containers.has(container)) handles.add(o.handleId);
    }
  }
  const deleteLinks = input.links.filter((l) => l.name.startsWith(prefix) && l.mac === HOST_VETH_MAC && !interfaces.has(l.name)).map((l) => l.name);
  return { releaseHandles: [...handles].sort(), deleteLinks: deleteLinks.sort() };
}
