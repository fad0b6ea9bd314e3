// The host-wide IPAM lock: only one CNI IPAM call at a time on a node (Calico: flock on /var/run/calico/ipam.lock,
// design/ipam/ipam-cni.md), so concurrent pod starts on one node do not race each other through the datastore's
// compare-and-swap loops. A lock file created with O_EXCL holding the owner's PID; a file whose PID no longer runs is
// stale and taken over (a plugin killed mid-call must not wedge the node). The wait is bounded: after timeoutMs the
// caller gets a CniError 11 (try again later), and the runtime retries the pod.
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { CNI_ERR, CniError } from './cni-error';
import { describeError } from '../lib/errors';

export interface HostLockOptions {
  readonly path: string;
  readonly timeoutMs: number;
  /** Poll interval while another process holds the lock. Default 10 ms. */
  readonly pollMs?: number;
  readonly pid?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  /** Whether a PID still runs; default signal 0. */
  readonly alive?: (pid: number) => boolean;
}

export interface HostLock {
  release(): void;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but is not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryCreate(file: string, pid: number): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, `${pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function holder(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export async function acquireHostLock(opts: HostLockOptions): Promise<HostLock> {
  const pid = opts.pid ?? process.pid;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = opts.now ?? Date.now;
  const alive = opts.alive ?? processAlive;
  const pollMs = opts.pollMs ?? 10;
  try {
    mkdirSync(path.dirname(opts.path), { recursive: true });
  } catch (err) {
    throw new CniError(CNI_ERR.IO, `cannot create the directory of the IPAM lock ${opts.path}`, describeError(err), { cause: err });
  }
  const deadline = now() + opts.timeoutMs;
  for (;;) {
    let created: boolean;
    try {
      created = tryCreate(opts.path, pid);
    } catch (err) {
      throw new CniError(CNI_ERR.IO, `cannot create the IPAM lock ${opts.path}`, describeError(err), { cause: err });
    }
    if (created) {
      return {
        release: () => {
          if (holder(opts.path) === pid) unlinkSync(opts.path);
        },
      };
    }
    const owner = holder(opts.path);
    if (owner !== undefined && !alive(owner)) {
      // Stale: rename it away atomically, so two waiters cannot both delete a fresh lock the other just made.
      const aside = `${opts.path}.stale.${pid}`;
      try {
        renameSync(opts.path, aside);
        if (holder(aside) === owner) unlinkSync(aside);
        else renameSync(aside, opts.path); // it was a new owner's: put it back
      } catch {
        // Someone else moved it first; try again.
      }
      continue;
    }
    if (now() >= deadline) {
      throw new CniError(
        CNI_ERR.TRY_AGAIN_LATER,
        `timed out after ${opts.timeoutMs} ms waiting for the host IPAM lock ${opts.path}`,
        owner !== undefined ? `held by PID ${owner}` : undefined,
      );
    }
    await sleep(pollMs);
  }
}

export async function withHostLock<T>(opts: HostLockOptions, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireHostLock(opts);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
