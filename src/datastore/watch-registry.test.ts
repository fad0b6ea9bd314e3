import { WatchRegistry } from './watch-registry';

describe('WatchRegistry', () => {
  it('hands out handles that stop and forget their watch, and closes the rest on closeAll', async () => {
    const stopped: string[] = [];
    const reg = new WatchRegistry<{ id: string; rev: string }>(async (w) => {
      stopped.push(w.id);
    });
    const a = { id: 'a', rev: '1' };
    const b = { id: 'b', rev: '5' };
    reg.add(a);
    reg.add(b);
    const ha = reg.handle(a, () => a.rev);
    a.rev = '2';
    expect(ha.revision).toBe('2');
    await ha.close();
    expect(stopped).toEqual(['a']);
    expect(reg.size).toBe(1);
    await reg.closeAll();
    expect(stopped).toEqual(['a', 'b']);
    expect(reg.size).toBe(0);
  });

  it('forgets a watch without stopping it', async () => {
    const stopped: string[] = [];
    const reg = new WatchRegistry<string>(async (w) => {
      stopped.push(w);
    });
    reg.add('x');
    reg.forget('x');
    await reg.closeAll();
    expect(stopped).toEqual([]);
  });
});
