import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CNI_WIRE_VERSION, queuedContainer, queuedRequestProblem, type CniWireReply, type CniWireRequest } from '../api/wire/cni';
import type { WorkloadEndpoint } from '../api/kind-workload-endpoint';
import { cniEnv, confText, hostedParts, makeWorld, type World } from '../cni/testing/fakes';
import { vethNameForWorkload } from '../cni/veth-name';
import { createLogger, nullLogger } from '../lib/logger';
import { drainDelQueue, fsDelQueue, type DelQueueStore, type DrainDeps } from './cni-del-queue';
import { CniServer } from './cni-server';

/** The queue folder in memory; `onRead` runs before an entry is read (to play another drain getting there first). */
class MemoryQueue implements DelQueueStore {
  readonly entries = new Map<string, string>();
  onRead?: (name: string) => void;
  async list(): Promise<string[]> {
    return [...this.entries.keys()].sort();
  }
  async read(name: string): Promise<string | undefined> {
    this.onRead?.(name);
    return this.entries.get(name);
  }
  async remove(name: string): Promise<void> {
    this.entries.delete(name);
  }
}

const delReq = (containerId: string, pod = 'web-0'): CniWireRequest => ({
  version: CNI_WIRE_VERSION,
  plugin: 'gingham',
  env: Object.fromEntries(Object.entries(cniEnv('DEL', containerId, pod)).filter((e): e is [string, string] => e[1] !== undefined)),
  stdin: confText(),
});
const entryName = (containerId: string): string => `${encodeURIComponent(containerId)}.eth0.gingham`;
const ok: CniWireReply = { version: CNI_WIRE_VERSION, exitCode: 0, stdout: '', stderr: '' };

function drainDeps(queue: MemoryQueue, replayed: CniWireRequest[], reply: (r: CniWireRequest) => CniWireReply = () => ok): DrainDeps {
  return {
    queue,
    replay: async (r) => {
      replayed.push(r);
      return reply(r);
    },
    withLock: (_c, fn) => fn(),
    log: nullLogger,
  };
}

describe('the CNI DEL queue', () => {
  it('names: the container is the first part, %XX decoded', () => {
    expect(queuedContainer('c0ffee.eth0.gingham')).toBe('c0ffee');
    expect(queuedContainer('a%2Fb%2Ec.eth0.gingham-ipam')).toBe('a/b.c');
    expect(queuedContainer('.tmp')).toBeUndefined();
    expect(queuedContainer('%zz.eth0.gingham')).toBeUndefined();
  });

  it.each([
    { name: 'not JSON', text: '{"version":', want: 'not JSON' },
    { name: 'not a request', text: '{"version":"gingham.cni.v1"}', want: 'request.plugin: must be gingham or gingham-ipam' },
    { name: 'another protocol', text: JSON.stringify({ ...delReq('c1'), version: 'gingham.cni.v9' }), want: 'protocol "gingham.cni.v9", this agent speaks gingham.cni.v1' },
    { name: 'an ADD', text: JSON.stringify({ ...delReq('c1'), env: { CNI_COMMAND: 'ADD' } }), want: 'command "ADD", only DEL is queued' },
    { name: 'a DEL', text: JSON.stringify(delReq('c1')), want: undefined },
  ])('entry text: $name', ({ text, want }) => {
    expect(queuedRequestProblem(text)).toBe(want);
  });

  it('replays each DEL and removes it; keeps a failed one; discards what is not a DEL or is refused for good', async () => {
    const queue = new MemoryQueue();
    queue.entries.set(entryName('c0'), JSON.stringify(delReq('c0')));
    queue.entries.set(entryName('c1'), JSON.stringify(delReq('c1')));
    queue.entries.set(entryName('c2'), JSON.stringify(delReq('c2')));
    queue.entries.set(entryName('c3'), 'garbage');
    queue.entries.set('nodots', JSON.stringify(delReq('c4')));
    const replayed: CniWireRequest[] = [];
    const failing: CniWireReply = { version: CNI_WIRE_VERSION, exitCode: 1, stdout: '{"code":11}\n', stderr: '' };
    const refused: CniWireReply = { version: CNI_WIRE_VERSION, exitCode: 1, stdout: '{"code":7,"msg":"network configuration: bad"}\n', stderr: '' };
    const reply = (req: CniWireRequest): CniWireReply => (req.env.CNI_CONTAINERID === 'c2' ? failing : req.env.CNI_CONTAINERID === 'c0' ? refused : ok);
    const r = await drainDelQueue(drainDeps(queue, replayed, reply));
    expect(replayed.map((x) => x.env.CNI_CONTAINERID)).toEqual(['c0', 'c1', 'c2', 'c4']);
    expect(r).toEqual({ replayed: [entryName('c1'), 'nodots'], failed: [entryName('c2')], discarded: [entryName('c0'), entryName('c3')] });
    expect([...queue.entries.keys()]).toEqual([entryName('c2')]);
    // The kept one goes at the next drain.
    expect((await drainDelQueue(drainDeps(queue, replayed))).replayed).toEqual([entryName('c2')]);
    expect(queue.entries.size).toBe(0);
  });

  it('one container only, when asked; an entry another drain took meanwhile is not replayed twice', async () => {
    const queue = new MemoryQueue();
    queue.entries.set(entryName('c1'), JSON.stringify(delReq('c1')));
    queue.entries.set(entryName('c2'), JSON.stringify(delReq('c2')));
    const replayed: CniWireRequest[] = [];
    expect((await drainDelQueue(drainDeps(queue, replayed), 'c2')).replayed).toEqual([entryName('c2')]);
    expect([...queue.entries.keys()]).toEqual([entryName('c1')]);
    queue.onRead = (n) => queue.entries.delete(n);
    expect(await drainDelQueue(drainDeps(queue, replayed))).toEqual({ replayed: [], failed: [], discarded: [] });
    expect(replayed).toHaveLength(1);
  });

  it('on disk: lists whole entries only (not a shim\'s temporary file), reads, removes; a missing folder is empty', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-delq-'));
    try {
      expect(await fsDelQueue(path.join(dir, 'absent')).list()).toEqual([]);
      fs.writeFileSync(path.join(dir, 'c1.eth0.gingham'), 'x');
      fs.writeFileSync(path.join(dir, '.tmp-12-c2.eth0.gingham'), 'half');
      const q = fsDelQueue(dir);
      expect(await q.list()).toEqual(['c1.eth0.gingham']);
      expect(await q.read('c1.eth0.gingham')).toBe('x');
      await q.remove('c1.eth0.gingham');
      await q.remove('c1.eth0.gingham');
      expect(await q.read('c1.eth0.gingham')).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the agent replaying queued DELs', () => {
  const logger = createLogger({ format: 'text', levels: 'error' });
  const server = (w: World, queue: MemoryQueue): CniServer =>
    new CniServer({
      nodeName: 'node-1',
      ...hostedParts(w),
      logger,
      delQueue: queue,
    });
  const wire = (env: NodeJS.ProcessEnv, stdin = confText()): unknown => ({ version: CNI_WIRE_VERSION, plugin: 'gingham', env, stdin });
  const hasVeth = async (w: World): Promise<boolean> => (await w.spaces.host.listLinks()).some((l) => l.name === vethNameForWorkload('default', 'web-0'));
  const endpoints = async (w: World): Promise<WorkloadEndpoint[]> => (await w.datastore.list<WorkloadEndpoint>('WorkloadEndpoint')).items;

  it('releases the address, the endpoint and the veth of a pod deleted while the agent was down', async () => {
    const w = makeWorld();
    const queue = new MemoryQueue();
    const s = server(w, queue);
    expect(await s.handle(wire(cniEnv('ADD', 'old')))).toMatchObject({ exitCode: 0 });
    queue.entries.set(entryName('old'), JSON.stringify(delReq('old')));
    expect((await s.drainQueue()).replayed).toEqual([entryName('old')]);
    expect(await w.ipam.addressesOf('k8s-pod-network.old')).toEqual([]);
    expect(await endpoints(w)).toEqual([]);
    expect(await hasVeth(w)).toBe(false);
    expect(queue.entries.size).toBe(0);
  });

  it('a late DEL of a replaced sandbox leaves the new sandbox of the same pod alone (address, endpoint, veth)', async () => {
    const w = makeWorld();
    const queue = new MemoryQueue();
    const s = server(w, queue);
    expect(await s.handle(wire(cniEnv('ADD', 'old')))).toMatchObject({ exitCode: 0 });
    // The pod gets a new sandbox (new container ID, same pod, same host veth name) before the old one's DEL is replayed.
    expect(await s.handle(wire(cniEnv('ADD', 'new')))).toMatchObject({ exitCode: 0 });
    const newIps = await w.ipam.addressesOf('k8s-pod-network.new');
    expect(newIps).toHaveLength(1);
    queue.entries.set(entryName('old'), JSON.stringify(delReq('old')));
    expect((await s.drainQueue()).replayed).toEqual([entryName('old')]);
    expect(await w.ipam.addressesOf('k8s-pod-network.old')).toEqual([]);
    expect(await w.ipam.addressesOf('k8s-pod-network.new')).toEqual(newIps);
    expect((await endpoints(w)).map((e) => e.spec?.containerID)).toEqual(['new']);
    expect(await hasVeth(w)).toBe(true);
  });

  it('a container\'s queued DEL runs before its next request, so a re-ADD of the same container ID keeps its new address', async () => {
    const w = makeWorld();
    const queue = new MemoryQueue();
    const s = server(w, queue);
    expect(await s.handle(wire(cniEnv('ADD', 'c1')))).toMatchObject({ exitCode: 0 });
    queue.entries.set(entryName('c1'), JSON.stringify(delReq('c1')));
    // The runtime's order: DEL (queued), then ADD again. The ADD must not be undone by the DEL replayed after it.
    const add = (await s.handle(wire(cniEnv('ADD', 'c1')))) as CniWireReply;
    expect(add.exitCode).toBe(0);
    expect(queue.entries.size).toBe(0);
    expect((await s.drainQueue()).replayed).toEqual([]);
    expect(await w.ipam.addressesOf('k8s-pod-network.c1')).toHaveLength(1);
    expect((await endpoints(w)).map((e) => e.spec?.containerID)).toEqual(['c1']);
  });
});
