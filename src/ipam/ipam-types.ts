// Arguments and results of the allocator's public methods (see index.ts for the contract of each).
import type { IPPoolAllowedUse } from '../api/kind-ippool';

export type IntendedUse = IPPoolAllowedUse;

export interface AutoAssignRequest {
  /** Owner of the addresses, e.g. "k8s-pod-network.<containerID>". Required; no "/" or whitespace. */
  readonly handleId: string;
  /** Node the addresses are for; its affine blocks are used first and new blocks are claimed for it. */
  readonly hostname: string;
  readonly num4?: number;
  readonly num6?: number;
  /** Stored with each address (Calico's secondary attributes: pod, namespace, node, timestamp, type). */
  readonly attrs?: Readonly<Record<string, string>>;
  /** Restrict to these pools, by IPPool name or CIDR (either family; each family uses its own). Default: all. */
  readonly pools?: readonly string[];
  /** Which pools may serve the request (IPPool.spec.allowedUses). Default Workload. */
  readonly intendedUse?: IntendedUse;
}

/** One address handed out. */
export interface AssignedIp {
  /** Bare address: "10.244.0.5", "fd00::5". */
  readonly address: string;
  /** Host-prefix form, as a CNI result wants it: "10.244.0.5/32", "fd00::5/128". */
  readonly cidr: string;
  readonly family: 4 | 6;
  /** CIDR of the block it came from. */
  readonly block: string;
  /** Sequence number of the assignment: pass it to releaseIps to release only this assignment. Decimal text. */
  readonly sequenceNumber: string;
}

export interface AutoAssignResult {
  /** Host-prefix form ("10.244.0.5/32"), in assignment order. */
  readonly ipv4: string[];
  /** Host-prefix form ("fd00::5/128"). */
  readonly ipv6: string[];
  readonly assigned: AssignedIp[];
}

export interface AssignIpRequest {
  /** Bare ("10.244.0.5") or host-prefix ("10.244.0.5/32") form. */
  readonly ip: string;
  readonly handleId: string;
  readonly hostname: string;
  readonly attrs?: Readonly<Record<string, string>>;
  readonly intendedUse?: IntendedUse;
}

export interface ReleaseRequest {
  readonly ip: string;
  /** Release only if this handle holds the address. */
  readonly handleId?: string;
  /** Release only if the address was assigned at this sequence number (AssignedIp.sequenceNumber). */
  readonly sequenceNumber?: string | bigint;
}

export interface ReleaseResult {
  /** Bare addresses freed. */
  readonly released: string[];
  /** Addresses that were not allocated (or not inside any block). */
  readonly notAllocated: string[];
  /** Held by another handle, or reassigned since the given sequence number: kept. */
  readonly mismatched: string[];
}

export interface AssignmentInfo {
  readonly address: string;
  readonly handleId: string | undefined;
  readonly attrs: Readonly<Record<string, string>>;
  readonly sequenceNumber: string;
  readonly block: string;
  /** The block's affinity ("host:n1"), undefined when unaffine. */
  readonly blockAffinity: string | undefined;
}

export interface HostAffinityRelease {
  /** Blocks deleted because they were empty. */
  readonly deletedBlocks: string[];
  /** Non-empty blocks whose affinity was cleared: their addresses stay valid and the block is borrowable. */
  readonly unaffinedBlocks: string[];
}

/** What `configure` may change; absent fields stay as stored. */
export interface IpamConfigPatch {
  readonly strictAffinity?: boolean;
  readonly maxBlocksPerHost?: number;
  readonly autoAllocateBlocks?: boolean;
}

export interface IpamConfig {
  readonly strictAffinity: boolean;
  /** As stored (0 = default). */
  readonly maxBlocksPerHost: number;
  /** The limit in force: maxBlocksPerHost, or 20 when it is 0. */
  readonly effectiveMaxBlocksPerHost: number;
  readonly autoAllocateBlocks: boolean;
}
