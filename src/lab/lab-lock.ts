// One writer at a time for the lab's state.json: several `gingham lab` commands (a test restarting three nodes at once)
// read-modify-write it, and without a lock the last writer drops the others' PIDs. The lock is a file created with
// O_EXCL holding its owner's PID; a lock whose owner is gone (a command killed mid-update) is taken over. Every wait is
// bounded. Writes go to a temporary file unique to the writer, then rename(2) into place, so a reader never sees half a file.
import { openSync, closeSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { GinghamError } from '../lib/errors';

export class LabLockError extends GinghamError {
  constructor(
    readonly lockFile: string,
    readonly owner: number | undefined,
    waitedMs: number,
  ) {
    super('LAB_STATE_LOCKED', `${lockFile} is held by ${owner !== undefined ? `pid ${owner}` : 'another command'} (waited ${waitedMs / 1000} s)`);
  }
}

export interface LockDeps {
  readonly alive: (pid: number) => boolean;
  readonly sleep: (ms: number) => Promise<void>;
  readonly pid: number;
  readonly now: () => number;
}

function owner(lockFile: string): number | undefined {
  try {
    const n = Number(readFileSync(lockFile, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function tryLock(lockFile: string, pid: number): boolean {
  try {
    const fd = openSync(lockFile, 'wx', 0o600);
    try {
      writeSync(fd, `${pid}\n`);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Runs fn holding lockFile; waits up to timeoutMs for another holder, takes over a lock whose holder is dead. */
export async function withFileLock<T>(lockFile: string, deps: LockDeps, fn: () => T | Promise<T>, timeoutMs = 30_000): Promise<T> {
  const start = deps.now();
  for (;;) {
    if (tryLock(lockFile, deps.pid)) break;
    const o = owner(lockFile);
    // An empty file is a holder between open and write: wait for it like any other.
    if (o !== undefined && o !== deps.pid && !deps.alive(o)) {
      rmSync(lockFile, { force: true });
      continue;
    }
    if (deps.now() - start >= timeoutMs) throw new LabLockError(lockFile, o, timeoutMs);
    await deps.sleep(20);
  }
  try {
    return await fn();
  } finally {
    rmSync(lockFile, { force: true });
  }
}

/** Writes text to file atomically: a temporary file of this writer's own, then rename(2) over the target. */
export function writeAtomic(file: string, text: string, pid = process.pid): void {
  const tmp = `${file}.${pid}.${Math.random().toString(36).slice(2, 8)}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
