// IPAM's typed errors. Callers (the CNI plugin, the CLI, controllers) branch on `code`; the message tells an operator
// what is wrong and what to change. Datastore failures that are not IPAM decisions (Unavailable, Invalid) pass through
// as the datastore's own errors.
import { GinghamError } from '../lib/errors';

export const IpamErrorCode = {
  /** The request itself is wrong (missing handle, bad address, negative count). */
  InvalidRequest: 'IPAM_INVALID_REQUEST',
  /** No enabled pool of the family selects this node for this use. */
  NoPools: 'IPAM_NO_POOLS',
  /** The pools have no block left to claim and (if borrowing is allowed) no free address in any block. */
  PoolExhausted: 'IPAM_POOL_EXHAUSTED',
  /** The node holds maxBlocksPerHost blocks, they are full, and it may not borrow. */
  BlockLimit: 'IPAM_BLOCK_LIMIT',
  /** The node's blocks are full, autoAllocateBlocks=false forbids claiming and strictAffinity=true forbids borrowing. */
  NoAffineSpace: 'IPAM_NO_AFFINE_SPACE',
  /** assignIp: the address is already held. */
  AlreadyAllocated: 'IPAM_ALREADY_ALLOCATED',
  /** assignIp: the address is in no enabled pool, or in a block another node holds under strict affinity. */
  NotAssignable: 'IPAM_NOT_ASSIGNABLE',
  /** The node's labels are needed to choose pools but its Node resource does not exist. */
  NodeNotFound: 'IPAM_NODE_NOT_FOUND',
  /** Compare-and-swap kept losing to other writers beyond the retry bound. */
  Contention: 'IPAM_CONTENTION',
} as const;
export type IpamErrorCode = (typeof IpamErrorCode)[keyof typeof IpamErrorCode];

export class IpamError extends GinghamError {
  constructor(
    override readonly code: IpamErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

export function isIpamError(err: unknown, code?: IpamErrorCode): err is IpamError {
  return err instanceof IpamError && (code === undefined || err.code === code);
}

export function invalidRequest(message: string): IpamError {
  return new IpamError(IpamErrorCode.InvalidRequest, message);
}
