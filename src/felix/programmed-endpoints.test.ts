import { ProgrammedEndpoints, versionReached } from './programmed-endpoints';

describe('ProgrammedEndpoints', () => {
  it('releases a waiter once an apply rendered the endpoint at its version or later', async () => {
    const p = new ProgrammedEndpoints();
    p.set('default/a', '10');
    const waiting = p.whenProgrammed('default/a', '12', 5000);
    p.applied(p.snapshot()); // version 10 is in: not yet
    p.set('default/a', '12');
    const rendered = p.snapshot();
    p.set('default/a', '13'); // arrives while the transaction is in flight: not what it carried
    p.applied(rendered);
    await expect(waiting).resolves.toBe(true);
    await expect(p.whenProgrammed('default/a', '13', 0)).resolves.toBe(false);
  });

  it('times out, and a deleted endpoint is no longer programmed', async () => {
    jest.useFakeTimers();
    try {
      const p = new ProgrammedEndpoints();
      const w = p.whenProgrammed('default/b', '5', 1000);
      jest.advanceTimersByTime(1000);
      await expect(w).resolves.toBe(false);
      p.set('default/b', '5');
      p.applied(p.snapshot());
      await expect(p.whenProgrammed('default/b', '5', 0)).resolves.toBe(true);
      p.delete('default/b');
      await expect(p.whenProgrammed('default/b', '5', 0)).resolves.toBe(false);
    } finally {
      jest.useRealTimers();
    }
  });

  it('compares etcd revisions as numbers and other versions as equal-or-not', () => {
    expect(versionReached('100', '99')).toBe(true);
    expect(versionReached('99', '100')).toBe(false);
    expect(versionReached('abc', 'abc')).toBe(true);
    expect(versionReached('abd', 'abc')).toBe(false);
    expect(versionReached(undefined, '1')).toBe(false);
  });
});
