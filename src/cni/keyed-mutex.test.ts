import { KeyedMutex } from './keyed-mutex';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('KeyedMutex', () => {
  it('runs calls with one key one at a time, in arrival order', async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    const gate: Array<() => void> = [];
    const call = (name: string): Promise<void> =>
      m.run('c1', async () => {
        log.push(`start ${name}`);
        await new Promise<void>((r) => gate.push(r));
        log.push(`end ${name}`);
      });
    const a = call('a');
    const b = call('b');
    await tick();
    expect(log).toEqual(['start a']);
    gate.shift()!();
    await a;
    await tick();
    expect(log).toEqual(['start a', 'end a', 'start b']);
    gate.shift()!();
    await b;
    expect(m.busyKeys).toBe(0);
  });

  it('runs different keys concurrently and frees the key after a failure', async () => {
    const m = new KeyedMutex();
    let running = 0;
    let peak = 0;
    const work = (): Promise<void> =>
      (async () => {
        running++;
        peak = Math.max(peak, running);
        await tick();
        running--;
      })();
    await Promise.all([m.run('a', work), m.run('b', work)]);
    expect(peak).toBe(2);
    await expect(m.run('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(m.run('a', async () => 7)).resolves.toBe(7);
    expect(m.busyKeys).toBe(0);
  });
});
