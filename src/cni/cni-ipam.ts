// What the CNI plugins need from Gingham's IPAM (src/ipam), kept narrow so the plugin code does not depend on the
// allocator's internals: auto-assign for a handle with attributes, the addresses a handle holds, release by handle.
// cmd/ adapts the real allocator to it; unit tests pass an in-memory one.
export interface CniAutoAssign {
  /** Owner of the addresses: "<network name>.<containerID>" (Calico: "k8s-pod-network.<containerID>"). */
  readonly handleId: string;
  readonly hostname: string;
  readonly num4: number;
  readonly num6: number;
  /** pod, namespace, node, timestamp (Calico's secondary attributes). */
  readonly attrs: Readonly<Record<string, string>>;
  /** IPPool names or CIDRs to restrict to (ipam.ipv4_pools / ipv6_pools); empty: every pool that selects the node. */
  readonly pools: readonly string[];
}

export interface CniIpam {
  /** Host-prefix CIDRs ("10.244.0.5/32") per family. */
  autoAssign(req: CniAutoAssign): Promise<{ ipv4: readonly string[]; ipv6: readonly string[] }>;
  /** Host-prefix CIDRs the handle holds; empty when it holds none. */
  addressesOf(handleId: string): Promise<readonly string[]>;
  /** Releases every address of the handle; a handle holding nothing is not an error. */
  releaseByHandle(handleId: string): Promise<void>;
  /**
   * True when the IPAM orders concurrent calls itself (the node agent's batching IPAM, src/ipam/node-ipam.ts): the
   * plugin then calls it without the host lock, so requests can join one datastore commit.
   */
  readonly serialisesItself?: boolean;
}

/** The IPAM handle of a container (Calico ipamplugin getHandleID: network name + "." + container ID). */
export function handleIdFor(networkName: string, containerId: string): string {
  return `${networkName}.${containerId}`;
}
