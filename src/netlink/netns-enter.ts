// Opening a netlink socket inside another network namespace from this process, without a second process: setns(2)
// around the socket's creation. A socket keeps the namespace it was created in, so the thread enters the target
// namespace, creates the socket and returns to its own namespace at once, synchronously, with no await in between
// (nothing else can run on the thread meanwhile). setns moves only the calling thread (the JS main thread here):
// libuv's threadpool stays in the node's namespace, which is why nothing but the socket's creation happens inside.
// Go's netlink.NewHandleAt does the same, with LockOSThread (containernetworking/plugins pkg/ns README).
//
// setns comes from a ~40-line Node-API addon (native/setns.c, built by node-gyp from `npm ci`: scripts/build-native.js)
// rather than an FFI package: no new dependency (koffi and ffi-napi are large and prebuilt per platform), no
// runtime code generation, and one C call whose only input is a file descriptor. If the thread cannot return to its
// own namespace the process is in an unknown state: the caller is told (NetnsRestoreError) and must exit.
import fs from 'node:fs';
import path from 'node:path';
import { GinghamError } from '../lib/errors';

/** CLONE_NEWNET (linux/sched.h). */
export const CLONE_NEWNET = 0x40000000;

export interface SetnsBinding {
  /** setns(fd, nstype); throws an Error with `errno` on failure. */
  setns(fd: number, nstype: number): void;
}

/** Where scripts/build-native.js leaves the addon, from src/netlink or dist/netlink alike. */
export const SETNS_ADDON = path.join(__dirname, '..', '..', 'build', 'Release', 'gingham_setns.node');

export class NetnsEnterError extends GinghamError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NETNS_ENTER', message, options);
  }
}

/** The thread is stuck in another namespace: the process must not go on. */
export class NetnsRestoreError extends GinghamError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NETNS_RESTORE', message, options);
  }
}

let loaded: SetnsBinding | undefined;

/** The addon, loaded once; a NetnsEnterError saying how to build it when it is missing. */
export function loadSetns(file = SETNS_ADDON): SetnsBinding {
  if (loaded !== undefined && file === SETNS_ADDON) return loaded;
  let mod: SetnsBinding;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native addon is loaded with require
    mod = require(file) as SetnsBinding;
  } catch (err) {
    throw new NetnsEnterError(`the setns addon ${file} cannot be loaded (build it with \`npm run build:native\`)`, { cause: err });
  }
  if (file === SETNS_ADDON) loaded = mod;
  return mod;
}

export interface NetnsEnterDeps {
  readonly setns: SetnsBinding;
  readonly openSync: (file: string, flags: string) => number;
  readonly closeSync: (fd: number) => void;
}

export const defaultEnterDeps = (): NetnsEnterDeps => ({ setns: loadSetns(), openSync: fs.openSync, closeSync: fs.closeSync });

/**
 * Runs `create` (synchronous) with the calling thread inside the network namespace `netnsPath` names
 * (/var/run/netns/X, /proc/PID/ns/net), and returns to the thread's own namespace before returning.
 */
export function createInNetns<T>(netnsPath: string, create: () => T, deps: NetnsEnterDeps = defaultEnterDeps()): T {
  let own: number;
  let target: number;
  try {
    own = deps.openSync('/proc/thread-self/ns/net', 'r');
  } catch (err) {
    throw new NetnsEnterError(`cannot open this thread's network namespace: ${(err as Error).message}`, { cause: err });
  }
  try {
    try {
      target = deps.openSync(netnsPath, 'r');
    } catch (err) {
      throw new NetnsEnterError(`cannot open network namespace ${netnsPath}: ${(err as Error).message}`, { cause: err });
    }
    try {
      try {
        deps.setns.setns(target, CLONE_NEWNET);
      } catch (err) {
        throw new NetnsEnterError(`cannot enter network namespace ${netnsPath}: ${(err as Error).message}`, { cause: err });
      }
      try {
        return create();
      } finally {
        try {
          deps.setns.setns(own, CLONE_NEWNET);
        } catch (err) {
          throw new NetnsRestoreError(`cannot return to this process's network namespace after ${netnsPath}: ${(err as Error).message}`, { cause: err });
        }
      }
    } finally {
      deps.closeSync(target);
    }
  } finally {
    deps.closeSync(own);
  }
}
