import { CoalescedRuns } from './coalesced-runs';

describe('CoalescedRuns', () => {
  it('runs once more after the current run however many requests came meanwhile, and never twice at once', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    let release: (() => void) | undefined;
    const job = async (): Promise<void> => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs++;
      await new Promise<void>((r) => (release = r));
      active--;
    };
    const c = new CoalescedRuns(job);
    const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
    const first = c.run();
    expect(c.run()).toBe(first); // before the run started: covered by it
    await tick();
    expect(runs).toBe(1);
    expect(c.run()).toBe(first);
    expect(c.run()).toBe(first);
    release?.();
    await tick();
    expect(runs).toBe(2);
    release?.();
    await first;
    expect(maxActive).toBe(1);
    expect(c.current).toBeUndefined();
  });

  it('does not run again once stopped', async () => {
    let runs = 0;
    let stopped = false;
    const c = new CoalescedRuns(
      async () => {
        runs++;
        stopped = true;
        void c.run();
      },
      () => stopped,
    );
    await c.run();
    expect(runs).toBe(1);
  });
});
