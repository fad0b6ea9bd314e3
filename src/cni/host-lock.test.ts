import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CniError } from './cni-error';
import { acquireHostLock, withHostLock } from './host-lock';

describe('host IPAM lock', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gingham-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('serialises holders and removes the file on release', async () => {
    const file = path.join(dir, 'sub', 'ipam.lock');
    const order: string[] = [];
    const a = withHostLock({ path: file, timeoutMs: 2000, pid: process.pid }, async () => {
      order.push('a-in');
      await new Promise((r) => setTimeout(r, 50));
      order.push('a-out');
    });
    await new Promise((r) => setTimeout(r, 5));
    const b = withHostLock({ path: file, timeoutMs: 2000, pid: process.pid }, async () => {
      order.push('b-in');
    });
    await Promise.all([a, b]);
    expect(order).toEqual(['a-in', 'a-out', 'b-in']);
    expect(existsSync(file)).toBe(false);
  });

  it('gives up after the timeout with code 11 naming the holder', async () => {
    const file = path.join(dir, 'ipam.lock');
    writeFileSync(file, `${process.pid}\n`);
    let t = 0;
    const err = await acquireHostLock({ path: file, timeoutMs: 100, now: () => t, sleep: async (ms) => void (t += ms) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CniError);
    expect((err as CniError).cniCode).toBe(11);
    expect((err as CniError).message).toContain(`held by PID ${process.pid}`);
  });

  it('takes over a lock whose holder is dead', async () => {
    const file = path.join(dir, 'ipam.lock');
    writeFileSync(file, '999999\n');
    const lock = await acquireHostLock({ path: file, timeoutMs: 100, pid: 4242, alive: (pid) => pid !== 999999 });
    expect(readFileSync(file, 'utf8').trim()).toBe('4242');
    lock.release();
    expect(existsSync(file)).toBe(false);
  });
});
