// Dumps (list*) on a netlink socket shared by concurrent CNI calls: one dump at a time per socket (the kernel answers
// a second dump on a socket that has one in progress with EBUSY) and a bounded retry of a dump the kernel interrupted
// because the table changed under it (NLM_F_DUMP_INTR, surfaced as EIO; cilium/cilium#48718, netlink(7)). Requests
// that are not dumps pass straight through. The agent's CNI server wraps its host netlink with this.
import type { Netlink } from '../netlink/netlink';
import { NetlinkError } from '../netlink/netlink-error';
import { KeyedMutex } from './keyed-mutex';

const DUMPS = new Set<string>(['listLinks', 'listRoutes', 'listAddresses', 'listNeighbours', 'listFdb']);
const RETRYABLE = new Set<string>(['EBUSY', 'EIO', 'EINTR']);
export const DUMP_ATTEMPTS = 5;

export function serialisedDumps(nl: Netlink): Netlink {
  const mutex = new KeyedMutex();
  return new Proxy(nl, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      const fn = v as (...a: unknown[]) => Promise<unknown>;
      if (typeof prop !== 'string' || !DUMPS.has(prop)) return fn.bind(target);
      return (...args: unknown[]) =>
        mutex.run('dump', async () => {
          for (let attempt = 1; ; attempt++) {
            try {
              return await fn.apply(target, args);
            } catch (err) {
              if (attempt >= DUMP_ATTEMPTS || !(err instanceof NetlinkError) || !RETRYABLE.has(err.errno)) throw err;
            }
          }
        });
    },
  });
}
