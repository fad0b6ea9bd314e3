import { nullLogger } from '../lib/logger';
import type { WatchEvent } from './types';
import { WatchDelivery } from './watch-delivery';

function resync(revision: string): WatchEvent {
  return { type: 'resync', items: [], revision };
}

async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

describe('WatchDelivery', () => {
  it('delivers in order, never re-entrantly, and tracks the last delivered revision', async () => {
    const seen: string[] = [];
    const d = new WatchDelivery((e) => void seen.push(e.revision), nullLogger, '0');
    d.push(resync('1'));
    expect(seen).toEqual([]);
    d.push(resync('2'));
    await turns(5);
    expect(seen).toEqual(['1', '2']);
    expect(d.revision).toBe('2');
  });

  it('waits for an async handler before the next event; after close() no call starts', async () => {
    const log: string[] = [];
    let release: () => void = () => undefined;
    const d = new WatchDelivery(
      async (e) => {
        log.push(`start ${e.revision}`);
        if (e.revision === '1') await new Promise<void>((r) => (release = r));
        log.push(`end ${e.revision}`);
      },
      nullLogger,
      '0',
    );
    d.push(resync('1'));
    d.push(resync('2'));
    await turns(5);
    expect(log).toEqual(['start 1']);
    await d.close();
    release();
    await turns(5);
    expect(log).toEqual(['start 1', 'end 1']);
    d.push(resync('3'));
    await turns(5);
    expect(log).toEqual(['start 1', 'end 1']);
  });

  it('lets a handler close its own watch', async () => {
    const seen: string[] = [];
    const d: WatchDelivery = new WatchDelivery(
      async (e) => {
        seen.push(e.revision);
        await d.close();
      },
      nullLogger,
      '0',
    );
    d.push(resync('1'));
    d.push(resync('2'));
    await turns(5);
    expect(seen).toEqual(['1']);
  });
});
