// Gingham IPAM: Calico's block-based address management over the Datastore interface. This is the module's public
// face; import from here ('../ipam'), not from the files behind it.
//
//   const ipam = new IpamAllocator(store);              // store: any Datastore (memory, etcdv3, kubernetes)
//
// Addresses
//   autoAssign({ handleId, hostname, num4?, num6?, attrs?, pools?, intendedUse? }) -> { ipv4, ipv6, assigned }
//     ipv4 / ipv6 are host-prefix strings ("10.244.0.5/32", "fd00::5/128"), ready for a CNI result. `assigned`
//     carries, per address, the bare address, its block and the assignment's sequenceNumber (decimal string).
//     Order of sources: the host's own blocks (BlockAffinity of the host), then a newly claimed block (pending
//     affinity -> create IPAMBlock -> confirm; candidates from a generator seeded by the host name), limited to
//     maxBlocksPerHost blocks per family (0 = 20; when every block of the pools exists, an empty block another node
//     claimed over a minute ago is taken over), then, when strictAffinity is false, any block of the pools with room
//     (borrowing). All or nothing: if the request cannot be met in full, nothing stays assigned and it throws.
//     pools: IPPool names or CIDRs (both families may be listed); default all. Pools that are disabled, whose
//     allowedUses exclude intendedUse (default Workload) or whose nodeSelector does not select the node are skipped.
//   assignIp({ ip, handleId, hostname, attrs?, intendedUse? }) -> AssignedIp
//     One named address ("10.244.0.5" or "10.244.0.5/32"); claims its block for the host when the block does not
//     exist. Throws AlreadyAllocated when held, NotAssignable when in no enabled pool (or in another node's block
//     under strictAffinity).
//   releaseIps([ip | { ip, handleId?, sequenceNumber? }]) -> { released, notAllocated, mismatched }
//     Never throws for an address that is free: it is reported in notAllocated. With handleId / sequenceNumber the
//     address is released only if still held by that handle / that assignment (else `mismatched`, kept).
//   releaseByHandle(handleId) -> bare addresses released. Idempotent (a CNI DEL may repeat); deletes the IPAMHandle.
//   ipsByHandle(handleId) -> bare addresses the handle holds.
//   getAssignmentAttributes(ip) -> { address, handleId, attrs, sequenceNumber, block, blockAffinity } | undefined
//   releaseHostAffinities(hostname) -> { deletedBlocks, unaffinedBlocks }
//     For a deleted node: empty blocks are deleted, non-empty ones lose their affinity and stay borrowable.
// Configuration (IPAMConfiguration "default"; defaults when absent)
//   getConfig() -> { strictAffinity, maxBlocksPerHost, effectiveMaxBlocksPerHost, autoAllocateBlocks }
//   setConfig({ strictAffinity?, maxBlocksPerHost?, autoAllocateBlocks? }) -> the new config (validated as the API
//     validates it: maxBlocksPerHost > 0 needs strictAffinity=true).
//
// Errors: IpamError with `code` in IpamErrorCode (InvalidRequest, NoPools, PoolExhausted, BlockLimit, NoAffineSpace,
// AlreadyAllocated, NotAssignable, NodeNotFound, Contention); datastore Unavailable/Invalid errors pass through.
// Messages name the node, pool and setting to change ("pool 10.244.0.0/16 has no free blocks ...", "node n1 reached
// maxBlocksPerHost=20: ...").
//
// Concurrency: every write is a compare-and-swap on resourceVersion, retried at most maxAttempts (100) times with a
// short jittered pause. Block creation is the atomic point of a claim, so one CIDR never has two owners; an ordinal
// is assigned only by a successful CAS of its block, so one address never has two owners. Calls for one handle are
// expected to be serialised by the caller (the CNI plugin holds a host-wide lock).
export { IpamAllocator, type IpamAllocatorOptions } from './allocator';
export { IpamError, IpamErrorCode, isIpamError } from './ipam-errors';
export type {
  AssignedIp,
  AssignIpRequest,
  AssignmentInfo,
  AutoAssignRequest,
  AutoAssignResult,
  HostAffinityRelease,
  IntendedUse,
  IpamConfig,
  IpamConfigPatch,
  ReleaseRequest,
  ReleaseResult,
} from './ipam-types';
// Read-side helpers for the CLI, controllers and metrics.
export { checkIpam, loadIpamSnapshot, type AllocationRecord, type IpamCheckResult, type IpamProblem, type IpamProblemKind, type IpamSnapshot } from './ipam-check';
export { blocksOutsidePools, borrowedIps, poolUsage, type BorrowedIp, type PoolUsage, type Usage } from './ipam-usage';
export { listBlocks, listPools, type StoredBlock, type StoredPool } from './ipam-store';
