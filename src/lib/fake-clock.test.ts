import { FakeClock } from './fake-clock';

describe('FakeClock', () => {
  it('fires timers in due order and only when time reaches them', () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 20);
    clock.setTimeout(() => fired.push('a'), 10);
    const c = clock.setTimeout(() => fired.push('c'), 15);
    c.cancel();
    clock.advance(9);
    expect(fired).toEqual([]);
    clock.advance(11);
    expect(fired).toEqual(['a', 'b']);
    expect(clock.now()).toBe(20);
    expect(clock.pending()).toBe(0);
  });

  it('fires timers armed by other timers within the same advance', () => {
    const clock = new FakeClock(0);
    const at: number[] = [];
    const tick = (): void => {
      at.push(clock.now());
      if (at.length < 3) clock.setTimeout(tick, 5);
    };
    clock.setTimeout(tick, 5);
    clock.advance(100);
    expect(at).toEqual([5, 10, 15]);
  });
});
