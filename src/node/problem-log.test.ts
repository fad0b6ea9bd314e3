import { ProblemLog } from './problem-log';

describe('ProblemLog', () => {
  it('reports a lasting problem once, forgets it when it goes away and reports it again when it recurs', () => {
    const log = new ProblemLog();
    const seen: string[] = [];
    const round = (keys: readonly string[]): void => {
      for (const k of keys) log.report(k, () => seen.push(k));
      log.endRound();
    };
    round(['nat', 'mtu']);
    round(['nat', 'mtu']);
    expect(seen).toEqual(['nat', 'mtu']);
    round(['mtu']);
    round(['nat', 'mtu']);
    expect(seen).toEqual(['nat', 'mtu', 'nat']);
  });

  it('reports a key once within a round', () => {
    const log = new ProblemLog();
    let n = 0;
    log.report('k', () => n++);
    log.report('k', () => n++);
    expect(n).toBe(1);
  });
});
