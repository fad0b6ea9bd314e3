import { FakeClock } from '../../lib/fake-clock';
import { nullLogger } from '../../lib/logger';
import { kindInfo } from '../kinds';
import type { StoredResource, WatchEvent } from '../types';
import { WatchDelivery } from '../watch-delivery';
import { joinRevisions, splitRevision } from './composite-revision';
import { KindWatch } from './kind-watch';
import type { KubeApi, KubeList, KubeListOptions, KubeObject, KubeWatchEvent, KubeWatchOptions, KubeWatchStream, ResourceRef } from './kube-api';
import { KubeApiError } from './kube-api';
import { ProfileStorage } from './view-storage';

/**
 * A scripted API server: per collection, the objects a list returns (at the collection's revision) and the open
 * watch streams, which the test feeds events into. Lists at an exact revision answer 410 when `compacted` says so.
 */
class ScriptedApi implements KubeApi {
  readonly lists: Array<{ plural: string; opts: KubeListOptions }> = [];
  readonly state = new Map<string, { items: KubeObject[]; rv: string }>();
  private readonly streams = new Map<string, { onEvent: (e: KubeWatchEvent) => void; onDone: (err?: Error) => void; from: string }>();
  compacted = false;

  set(plural: string, items: KubeObject[], rv: string): void {
    this.state.set(plural, { items, rv });
  }

  list(ref: ResourceRef, opts: KubeListOptions = {}): Promise<KubeList> {
    this.lists.push({ plural: ref.plural, opts });
    if (opts.resourceVersionMatch === 'Exact' && this.compacted) return Promise.reject(new KubeApiError(410, 'Expired', 'too old'));
    const s = this.state.get(ref.plural) ?? { items: [], rv: '1' };
    return Promise.resolve({ items: structuredClone(s.items), resourceVersion: opts.resourceVersion ?? s.rv });
  }

  watch(ref: ResourceRef, opts: KubeWatchOptions, onEvent: (e: KubeWatchEvent) => void, onDone: (err?: Error) => void): Promise<KubeWatchStream> {
    this.streams.set(ref.plural, { onEvent, onDone, from: opts.resourceVersion ?? '' });
    return Promise.resolve({
      abort: () => {
        if (this.streams.get(ref.plural)?.onEvent !== onEvent) return;
        this.streams.delete(ref.plural);
        onDone();
      },
    });
  }

  /** The revision a collection's current stream was opened from. */
  from(plural: string): string | undefined {
    return this.streams.get(plural)?.from;
  }

  emit(plural: string, e: KubeWatchEvent): void {
    const s = this.streams.get(plural);
    if (!s) throw new Error(`no watch on ${plural}`);
    s.onEvent(e);
  }

  get(): Promise<KubeObject> {
    return Promise.reject(new Error('not scripted'));
  }
  create(): Promise<KubeObject> {
    return Promise.reject(new Error('not scripted'));
  }
  replace(): Promise<KubeObject> {
    return Promise.reject(new Error('not scripted'));
  }
  mergePatch(): Promise<KubeObject> {
    return Promise.reject(new Error('not scripted'));
  }
  delete(): Promise<KubeObject> {
    return Promise.reject(new Error('not scripted'));
  }
  close(): void {}
}

const UID = '30316465-6365-4463-ad63-3564622d3638';
const ns = (name: string, rv: string, labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, uid: UID, resourceVersion: rv, labels } });
const sa = (namespace: string, name: string, rv: string): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, uid: UID, resourceVersion: rv } });

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

function describe_(e: WatchEvent): string {
  return e.type === 'resync' ? `resync[${e.items.map((i) => i.metadata.name).join(',')}]@${e.revision}` : `${e.type}:${e.object.metadata.name}@${e.revision}`;
}

function profileWatch(api: ScriptedApi): { watch: KindWatch; events: WatchEvent[]; clock: FakeClock } {
  const events: WatchEvent[] = [];
  const clock = new FakeClock();
  const storage = new ProfileStorage(api, kindInfo('Profile'));
  const delivery = new WatchDelivery<StoredResource>((e) => void events.push(e), nullLogger, '');
  const watch = new KindWatch(api, storage.sources, {}, delivery, { clock, logger: nullLogger, bookmarks: false, timeoutSeconds: 300, retryDelaysMs: [10] });
  return { watch, events, clock };
}

describe('composite revisions (conversion.go JoinProfileRevisions / SplitProfileRevision)', () => {
  it.each<[string, number, string[] | undefined]>([
    ['12/15', 2, ['12', '15']],
    ['12', 1, ['12']],
    ['12', 2, undefined],
    ['12/x', 2, undefined],
    ['1/2/3', 2, undefined],
  ])('splits %s into %d parts: %j', (rev, n, want) => {
    expect(splitRevision(rev, n)).toEqual(want);
  });
  it('joins in source order', () => {
    expect(joinRevisions(['7', '9'])).toBe('7/9');
    expect(joinRevisions(['7'])).toBe('7');
  });
});

describe('KindWatch: one kind over several collections (Profile: namespaces, serviceaccounts)', () => {
  it('starts with one resync of the whole kind at the composite revision, then maps each stream onto it', async () => {
    const api = new ScriptedApi();
    api.set('namespaces', [ns('shop', '3')], '5');
    api.set('serviceaccounts', [sa('shop', 'default', '4')], '6');
    const { watch, events } = profileWatch(api);
    await watch.start(undefined);
    await flush();
    expect(events.map(describe_)).toEqual(['resync[kns.shop,ksa.shop.default]@5/6']);
    api.emit('namespaces', { type: 'MODIFIED', object: ns('shop', '7', { team: 'blue' }) });
    api.emit('serviceaccounts', { type: 'ADDED', object: sa('shop', 'robot', '8') });
    api.emit('namespaces', { type: 'DELETED', object: ns('shop', '9', { team: 'blue' }) });
    await flush();
    expect(events.slice(1).map(describe_)).toEqual(['modified:kns.shop@7/6', 'added:ksa.shop.robot@7/8', 'deleted:kns.shop@9/8']);
    const modified = events[1] as Extract<WatchEvent, { type: 'modified' }>;
    expect((modified.object.spec as { labelsToApply: Record<string, string> }).labelsToApply['pcns.team']).toBe('blue');
    expect((modified.previous?.spec as { labelsToApply: Record<string, string> }).labelsToApply['pcns.team']).toBeUndefined();
    // A service-account change the Profile does not show (its token secrets) is no event.
    api.emit('serviceaccounts', { type: 'MODIFIED', object: { ...sa('shop', 'robot', '10'), secrets: [{ name: 'tok' }] } });
    await flush();
    expect(events).toHaveLength(4);
    await watch.close();
  });

  it('resumes each collection from its part of the revision, and a compacted one turns into a resync of the whole kind', async () => {
    const api = new ScriptedApi();
    api.set('namespaces', [ns('shop', '3')], '5');
    api.set('serviceaccounts', [sa('shop', 'default', '4')], '6');
    const { watch, events, clock } = profileWatch(api);
    await watch.start(['5', '6']);
    expect(api.lists).toEqual([
      { plural: 'namespaces', opts: { resourceVersion: '5', resourceVersionMatch: 'Exact' } },
      { plural: 'serviceaccounts', opts: { resourceVersion: '6', resourceVersionMatch: 'Exact' } },
    ]);
    expect([api.from('namespaces'), api.from('serviceaccounts')]).toEqual(['5', '6']);
    await flush();
    expect(events).toEqual([]);
    api.emit('serviceaccounts', { type: 'ADDED', object: sa('shop', 'robot', '8') });
    // The namespaces' history is gone: the server says so on the stream, and the watch re-lists that collection.
    api.set('namespaces', [ns('shop', '3'), ns('web', '9')], '11');
    api.emit('namespaces', { type: 'ERROR', object: { metadata: {}, kind: 'Status', code: 410 } as unknown as KubeObject });
    clock.advance(1);
    for (let i = 0; i < 5 && events.length < 2; i++) await flush();
    expect(events.map(describe_)).toEqual(['added:ksa.shop.robot@5/8', 'resync[kns.shop,kns.web,ksa.shop.default,ksa.shop.robot]@11/8']);
    await watch.close();
  });
});
