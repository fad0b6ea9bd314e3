// Hands out loopback addresses (127.0.x.y) to e2e suites so that suites running at the same time, in this process or
// another one, never share an address: each address is claimed with an exclusive lock file holding the claimer's
// PID (a lock whose PID is dead is stale and taken over), and is only handed out when nothing listens on addr:179
// (checked by binding it). Linux routes all of 127.0.0.0/8 to lo, so no address needs configuring.
// It owns nothing else: daemons and their ports are the launchers' business.
import { createServer } from 'node:net';
import { mkdirSync, openSync, writeSync, closeSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

const LOCK_DIR = '/tmp/gingham-e2e-loopback';
/** Third octets used for hand-out; 127.0.0.x is left to people's manual experiments and the bench (127.0.0.2-4). */
const FIRST_BLOCK = 100;
const LAST_BLOCK = 199;

const claimed = new Set<string>();

/** Resolves true when addr:port can be bound right now (so nothing listens there, not even a wildcard socket). */
export function portFree(addr: string, port = 179): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: addr, port, exclusive: true }, () => {
      srv.close(() => resolve(true));
    });
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function tryLock(addr: string): boolean {
  mkdirSync(LOCK_DIR, { recursive: true });
  const file = join(LOCK_DIR, addr);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch {
      // Held: take it over only if the holder is dead (a crashed suite), then retry once.
      let holder = NaN;
      try {
        holder = Number(readFileSync(file, 'utf8').trim());
      } catch {
        continue;
      }
      if (Number.isInteger(holder) && holder > 0 && pidAlive(holder)) return false;
      try {
        unlinkSync(file);
      } catch {
        return false;
      }
    }
  }
  return false;
}

function unlock(addr: string): void {
  try {
    const file = join(LOCK_DIR, addr);
    if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
  } catch {
    // already gone
  }
}

/**
 * Claims `count` loopback addresses in one 127.0.x.0/24 block (x from 100 to 199, starting at a place derived from
 * the PID to spread concurrent suites), each checked free on port 179. Release them with releaseLoopbacks in afterAll.
 */
export async function allocateLoopbacks(count: number): Promise<string[]> {
  if (count < 1 || count > 250) throw new Error(`allocateLoopbacks: bad count ${count}`);
  const span = LAST_BLOCK - FIRST_BLOCK + 1;
  const start = process.pid % span;
  for (let i = 0; i < span; i++) {
    const block = FIRST_BLOCK + ((start + i) % span);
    const got: string[] = [];
    for (let host = 1; host <= 254 && got.length < count; host++) {
      const addr = `127.0.${block}.${host}`;
      if (claimed.has(addr) || !tryLock(addr)) continue;
      if (!(await portFree(addr, 179))) {
        unlock(addr);
        continue;
      }
      claimed.add(addr);
      got.push(addr);
    }
    if (got.length === count) return got;
    releaseLoopbacks(got);
  }
  throw new Error(`allocateLoopbacks: no ${count} free loopback addresses in 127.0.${FIRST_BLOCK}-${LAST_BLOCK}.x`);
}

/** Gives the addresses back (removes their lock files). With no argument, releases everything this process claimed. */
export function releaseLoopbacks(addrs: readonly string[] = [...claimed]): void {
  for (const a of addrs) {
    unlock(a);
    claimed.delete(a);
  }
}
