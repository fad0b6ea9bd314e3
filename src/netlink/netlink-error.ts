// NetlinkError: the one error type of src/netlink. It carries the kernel's errno name (EEXIST, ESRCH, ENODEV...), the
// operation and the object involved, so a log line reads "route add 10.244.1.0/24 via 10.0.0.15 dev eth0: EEXIST".
// Both the real implementation and the fake throw it; callers branch on `code` / `errno`, never on message text.
import { constants as osConstants } from 'node:os';
import { GinghamError } from '../lib/errors';

/** Errno names this layer produces or that callers commonly branch on. Other kernel errnos pass through by name. */
export type ErrnoName =
  | 'EEXIST'
  | 'ENOENT'
  | 'ESRCH'
  | 'ENODEV'
  | 'EPERM'
  | 'EINVAL'
  | 'ENETUNREACH'
  | 'ENETDOWN'
  | 'EADDRNOTAVAIL'
  | 'EOPNOTSUPP'
  | 'EBUSY'
  | 'ENOBUFS'
  | 'ETIMEDOUT'
  | 'EIO'
  | (string & { readonly __errno?: never });

export class NetlinkError extends GinghamError {
  /**
   * @param errno  the errno name, e.g. 'EEXIST'; also the `code` callers branch on unless a subclass says otherwise
   * @param op     what was attempted, e.g. 'route add', 'link set'
   * @param object the object involved, e.g. '10.244.1.0/24 via 10.0.0.15 dev eth0'
   */
  constructor(
    readonly errno: ErrnoName,
    readonly op: string,
    readonly object: string,
    options?: { cause?: unknown; code?: string; detail?: string },
  ) {
    super(
      options?.code ?? errno,
      `${op}${object ? ' ' + object : ''}: ${errno}${options?.detail ? ` (${options.detail})` : ''}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
  }
}

/**
 * The kernel has no ipip module, so `tunl0` cannot exist. Gingham cannot program IPIP pools on this node; the operator
 * must switch the pool to VXLAN. Code IPIP_UNAVAILABLE, errno EOPNOTSUPP (what RTM_NEWLINK kind "ipip" returns).
 */
export class IpipUnavailableError extends NetlinkError {
  constructor(object: string, cause?: unknown) {
    super('EOPNOTSUPP', 'link add', object, {
      code: 'IPIP_UNAVAILABLE',
      detail: 'kernel lacks ipip; use vxlanMode (ipip module not loaded and not loadable)',
      cause,
    });
  }
}

const NAME_BY_NUMBER = new Map<number, string>(
  Object.entries(osConstants.errno).map(([name, num]) => [num, name] as [number, string]),
);
// Linux aliases: os.constants lists both EOPNOTSUPP and ENOTSUP (95) and EWOULDBLOCK/EAGAIN; prefer the names iproute2
// and the kernel sources use.
NAME_BY_NUMBER.set(osConstants.errno.EOPNOTSUPP, 'EOPNOTSUPP');
NAME_BY_NUMBER.set(osConstants.errno.EAGAIN, 'EAGAIN');

/** Errno name for a positive or negative errno number ("E123" when unknown). */
export function errnoName(errno: number): string {
  const n = Math.abs(errno);
  return NAME_BY_NUMBER.get(n) ?? `E${n}`;
}

/** Errno number for a name (positive), or undefined. */
export function errnoNumber(name: string): number | undefined {
  const table = osConstants.errno as Record<string, number | undefined>;
  return table[name];
}

/**
 * True when the error says "the object is not there". The kernel answers a delete of a missing object differently per
 * object kind: routes ESRCH, links ENODEV, addresses EADDRNOTAVAIL, neighbours and FDB entries ENOENT.
 */
export function isNotFound(err: unknown): boolean {
  return (
    err instanceof NetlinkError &&
    (err.errno === 'ESRCH' || err.errno === 'ENOENT' || err.errno === 'ENODEV' || err.errno === 'EADDRNOTAVAIL')
  );
}

/** True when the error says "it is already there" (EEXIST). */
export function isExists(err: unknown): boolean {
  return err instanceof NetlinkError && err.errno === 'EEXIST';
}
