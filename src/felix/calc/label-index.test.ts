import { compileSelector } from '../../api/selector';
import { LabelIndex } from './label-index';

function recorder(): { events: string[]; index: LabelIndex } {
  const events: string[] = [];
  const index = new LabelIndex({ matchStarted: (s, i) => events.push(`+${s}:${i}`), matchStopped: (s, i) => events.push(`-${s}:${i}`) });
  return { events, index };
}

describe('LabelIndex', () => {
  it('reports matches starting and stopping as items and selectors change', () => {
    const { events, index } = recorder();
    index.setItem('a', { app: 'web' }, []);
    index.setSelector('web', compileSelector("app == 'web'"));
    index.setItem('b', { app: 'db' }, []);
    index.setItem('b', { app: 'web' }, []);
    index.setItem('a', { app: 'db' }, []);
    index.deleteSelector('web');
    expect(events).toEqual(['+web:a', '+web:b', '-web:a', '-web:b']);
  });

  it("inherits parents' labels; own labels win, then the first parent", () => {
    const { index } = recorder();
    index.setParent('kns.x', { 'pcns.ns': 'x', team: 'ns' });
    index.setParent('ksa.x.sa', { team: 'sa', 'pcsa.role': 'r' });
    index.setItem('p', { pod: 'a' }, ['kns.x', 'ksa.x.sa']);
    expect(index.labelsOf('p')).toEqual({ 'pcns.ns': 'x', team: 'ns', 'pcsa.role': 'r', pod: 'a' });
    index.setItem('p', { pod: 'a', team: 'own' }, ['kns.x', 'ksa.x.sa']);
    expect(index.labelsOf('p')?.team).toBe('own');
  });

  it('re-evaluates the items of a parent when its labels change', () => {
    const { events, index } = recorder();
    index.setSelector('ns-y', compileSelector("pcns.ns == 'y'"));
    index.setParent('kns.x', { 'pcns.ns': 'x' });
    index.setItem('p', {}, ['kns.x']);
    index.setParent('kns.x', { 'pcns.ns': 'y' });
    expect(events).toEqual(['+ns-y:p']);
  });

  it('evaluates only candidate selectors when an item changes (work proportional to what it touches)', () => {
    const { index } = recorder();
    for (let i = 0; i < 1000; i++) index.setSelector(`s${i}`, compileSelector(`app == 'app${i}' && has(tier)`));
    index.setSelector('neg', compileSelector("app != 'x'"));
    index.stats.evaluations = 0;
    index.setItem('e', { app: 'app7', tier: 'fe' }, []);
    // app7's own selector, and the unrestricted "!=" selector; not the other 999.
    expect(index.stats.evaluations).toBe(2);
    expect([...index.selectorsMatching('e')].sort()).toEqual(['neg', 's7']);
  });

  it('evaluates only candidate items when a selector is added', () => {
    const { index } = recorder();
    for (let i = 0; i < 1000; i++) index.setItem(`e${i}`, { app: `app${i % 100}`, 'projectcalico.org/orchestrator': 'k8s' }, []);
    index.stats.evaluations = 0;
    index.setSelector('s', compileSelector("projectcalico.org/orchestrator == 'k8s' && app in {'app1', 'app2'}"));
    // The orchestrator label is on every item; the index picks the rarer "app" restriction: 20 items.
    expect(index.stats.evaluations).toBe(20);
    expect(index.itemsMatching('s').size).toBe(20);
  });

  it('stops matches without evaluating when an item loses the filed label', () => {
    const { events, index } = recorder();
    index.setSelector('s', compileSelector("app == 'a'"));
    index.setItem('e', { app: 'a' }, []);
    index.stats.evaluations = 0;
    index.setItem('e', {}, []);
    expect(index.stats.evaluations).toBe(0);
    expect(events).toEqual(['+s:e', '-s:e']);
    index.deleteItem('e');
    expect(index.itemsMatching('s').size).toBe(0);
  });
});
