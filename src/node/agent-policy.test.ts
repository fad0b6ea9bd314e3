// The node agent enforcing policy through the dataplane façade: a memory datastore, a fake kernel (FakeNetlink), a
// fake nft with failure injection and a fake clock. Real nft and real packets are in e2e/.
import { DatastoreCache, type Datastore, type StoredResource } from '../datastore';
import { MemoryDatastore } from '../datastore/memory/memory-datastore';
import { Dataplane } from '../felix/dataplane';
import { PolicyDataplane, type CommandResult, type NftRunner } from '../felix/policy-dataplane';
import { IpamAllocator } from '../ipam';
import { FakeClock } from '../lib/fake-clock';
import { nullLogger, type Logger } from '../lib/logger';
import { FakeNetlink } from '../netlink/fake';
import { GINGHAM_ROUTE_PROTOCOL } from '../netlink/netlink';
import { NodeAgent } from './agent';
import { nodeKinds } from './calc/kinds';

/** nft as far as the table owner uses it: transactions recorded, listings answered "no such table", failures on demand. */
class FakeNft implements NftRunner {
  readonly scripts: string[] = [];
  listings = 0;
  failNext = 0;
  async run(args: readonly string[], stdin?: string): Promise<CommandResult> {
    if (args[0] === '-j') {
      this.listings++;
      return { code: 1, stdout: '', stderr: 'Error: No such file or directory' };
    }
    if (this.failNext > 0) {
      this.failNext--;
      return { code: 1, stdout: '', stderr: '/dev/stdin:2:1-3: Error: Could not process rule: No buffer space available' };
    }
    this.scripts.push(stdin ?? '');
    return { code: 0, stdout: '', stderr: '' };
  }
  get last(): string {
    return this.scripts[this.scripts.length - 1] ?? '';
  }
}

const v3 = (kind: string, name: string, spec: unknown, namespace?: string, labels?: Record<string, string>): StoredResource => ({
  apiVersion: 'projectcalico.org/v3',
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) },
  spec,
});

const wep = (name: string, node: string, ip: string, app: string): StoredResource =>
  v3('WorkloadEndpoint', name, { node, orchestrator: 'k8s', pod: name, endpoint: 'eth0', interfaceName: `cali${name}`, ipNetworks: [`${ip}/32`], profiles: ['kns.x'] }, 'x', {
    app,
    'projectcalico.org/namespace': 'x',
    'projectcalico.org/orchestrator': 'k8s',
  });

const allowAll = { ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }] };

/** A datastore whose listing of one kind waits for `release()` (an agent restarting against a slow etcd). */
function gatedStore(store: MemoryDatastore, kind: string): { store: Datastore; release(): void } {
  let release = (): void => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'list') return async (k: string, o?: unknown) => ((k === kind && (await gate), target.list(k, o as never)));
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { store: proxy, release };
}

interface Node {
  agent: NodeAgent;
  cache: DatastoreCache;
  dataplane: Dataplane;
}

function newNode(store: Datastore, clock: FakeClock, nft: FakeNft, logger: Logger = nullLogger, nl = new FakeNetlink()): Node {
  const cache = new DatastoreCache(store, nodeKinds(true));
  nl.addExistingLink('eth0', { up: true });
  const policy = new PolicyDataplane({ nodeName: 'n1', runner: nft, families: [4] });
  const dataplane = new Dataplane({ netlink: nl, clock, logger: nullLogger, policy, policyVerifyMs: 60_000 });
  const agent = new NodeAgent({ nodeName: 'n1', parentInterface: 'eth0', debounceMs: 50, retryMs: 500 }, { store, cache, ipam: new IpamAllocator(store), dataplane, clock, logger, newSpeaker: () => {
    throw new Error('no BGP in these tests');
  } });
  return { agent, cache, dataplane };
}

async function seed(store: MemoryDatastore): Promise<void> {
  await store.create(v3('Profile', 'kns.x', allowAll));
  await store.create(wep('a', 'n1', '10.244.1.2', 'a'));
  await store.create(wep('b', 'n2', '10.244.2.2', 'b'));
}

/** Lets the debounce timer fire and the round finish. */
async function settle(clock: FakeClock, node: Node): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setImmediate(r));
    clock.advance(100);
    await node.agent.recompute();
  }
}

async function stop(node: Node): Promise<void> {
  await node.agent.close();
  await node.cache.close();
}

/** A seeded memory store and an agent on it, handed to `body`; both closed afterwards whatever happens. */
async function withSeededNode(body: (t: { store: MemoryDatastore; clock: FakeClock; nft: FakeNft; node: Node }) => Promise<void>, logger: Logger = nullLogger): Promise<void> {
  const store = new MemoryDatastore();
  const clock = new FakeClock(0);
  const nft = new FakeNft();
  await seed(store);
  const node = newNode(store, clock, nft, logger);
  try {
    await body({ store, clock, nft, node });
  } finally {
    await stop(node);
    await store.close();
  }
}

describe('NodeAgent with policy', () => {
  it('enforces a policy, then a change of it incrementally; remote endpoints only fill selector sets', async () => {
    await withSeededNode(async ({ store, clock, nft, node }) => {
      await node.agent.start();
      expect(nft.scripts).toHaveLength(1);
      expect(nft.last).toContain('"calia"');
      expect(nft.last).not.toContain('"calib"');
      expect(nft.last).toContain('profile kns.x');
      // An interface the agent has not programmed yet (a pod whose endpoint is not written yet) is dropped.
      expect(nft.last).toContain('drop comment "unknown workload interface"');
      const changes = jest.spyOn(node.dataplane.policy as PolicyDataplane, 'setNetworkPolicy');
      const endpoints = jest.spyOn(node.dataplane.policy as PolicyDataplane, 'setWorkloadEndpoint');
      await store.create(v3('NetworkPolicy', 'from-b', { selector: "app == 'a'", types: ['Ingress'], ingress: [{ action: 'Allow', source: { selector: "app == 'b'" } }] }, 'x'));
      await settle(clock, node);
      // One resource in, one call: nothing else was re-fed.
      expect(changes).toHaveBeenCalledTimes(1);
      expect(endpoints).not.toHaveBeenCalled();
      expect(nft.scripts).toHaveLength(2);
      expect(nft.last).toContain('x/from-b');
      expect(nft.last).toContain('10.244.2.2');
      await store.update({ ...(await store.get('NetworkPolicy', 'from-b', 'x')), spec: { selector: "app == 'a'", types: ['Ingress'], ingress: [{ action: 'Deny', source: { nets: ['10.244.2.0/24'] } }] } });
      await settle(clock, node);
      expect(nft.scripts).toHaveLength(3);
      expect(nft.last).toContain('10.244.2.0/24');
      expect(nft.last).toMatch(/drop/);
    });
  });

  it('reports a refused nft transaction, keeps the previous rules and retries until it succeeds', async () => {
    const errors: string[] = [];
    const recorder: Logger = { ...nullLogger, error: (m: string) => void errors.push(m), child: () => recorder };
    await withSeededNode(async ({ clock, nft, node: agentWithLog }) => {
      // The round at start fails, and so does the one the cache's initial listing scheduled (debounced).
      nft.failNext = 2;
      await agentWithLog.agent.start();
      expect(nft.scripts).toHaveLength(0);
      expect(errors.join('\n')).toMatch(/policy not programmed, previous rules kept: NftApplyFailed: nft transaction on table ip gingham failed at line 2: add map ip gingham from-wl/);
      // Nothing changes in the datastore: only the retry timer (500 ms, then the 50 ms debounce) brings the next round.
      const ticks = async (): Promise<void> => {
        for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      };
      clock.advance(60);
      await ticks();
      expect(nft.failNext).toBe(0);
      clock.advance(340);
      await ticks();
      expect(nft.scripts).toHaveLength(0);
      clock.advance(200);
      await ticks();
      clock.advance(100);
      await ticks();
      expect(nft.scripts).toHaveLength(1);
      expect(nft.last).toContain('"calia"');
    }, recorder);
  });

  it("programs a new pod's policy while a route apply is still writing: policy never queues behind the routes", async () => {
    const store = new MemoryDatastore();
    const clock = new FakeClock(0);
    const nft = new FakeNft();
    await seed(store);
    const nl = new FakeNetlink();
    const node = newNode(store, clock, nft, nullLogger, nl);
    const ticks = async (): Promise<void> => {
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    };
    try {
      await node.agent.start();
      const release = nl.holdRouteBatches();
      // A block affine to this node (a blackhole route to write: the route apply blocks in the kernel) and a new pod.
      await store.create(v3('IPAMBlock', '10-244-1-0-26', { cidr: '10.244.1.0/26', affinity: 'host:n1', allocations: [], unallocated: [], attributes: [] }));
      const c = await store.create(wep('c', 'n1', '10.244.1.3', 'c'));
      await ticks(); // the watch delivers both; each loop's debounce timer is set
      clock.advance(50);
      await ticks();
      const programmed = (node.dataplane.policy as PolicyDataplane).programmed;
      expect(await programmed.whenProgrammed('x/c', c.metadata.resourceVersion ?? '', 0)).toBe(true);
      expect(nft.last).toContain('"calic"');
      expect((await nl.listRoutes({ protocol: GINGHAM_ROUTE_PROTOCOL })).map((r) => r.dst)).not.toContain('10.244.1.0/26');
      release();
      await ticks();
      expect((await nl.listRoutes({ protocol: GINGHAM_ROUTE_PROTOCOL })).map((r) => r.dst)).toContain('10.244.1.0/26');
    } finally {
      await stop(node);
      await store.close();
    }
  });

  it('verifies the tables on a timer', async () => {
    await withSeededNode(async ({ clock, nft, node }) => {
      await node.agent.start();
      const before = nft.listings;
      clock.advance(60_000);
      await node.dataplane.verifyPolicy();
      expect(nft.listings).toBeGreaterThan(before + 1);
    });
  });

  it('a restarting agent writes nothing before its first full sync, then the whole denying policy at once', async () => {
    const mem = new MemoryDatastore();
    const clock = new FakeClock(0);
    const nft = new FakeNft();
    await seed(mem);
    await mem.create(v3('NetworkPolicy', 'deny-b', { selector: "app == 'a'", types: ['Ingress'], ingress: [{ action: 'Deny', source: { selector: "app == 'b'" } }] }, 'x'));
    const gated = gatedStore(mem, 'NetworkPolicy');
    const node = newNode(gated.store, clock, nft);
    try {
      const started = node.agent.start();
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setImmediate(r));
        clock.advance(100);
        await node.agent.recompute();
      }
      // Part of the cluster is listed (the endpoints, the profile): programming it would allow what deny-b denies.
      expect(nft.scripts).toHaveLength(0);
      gated.release();
      await started;
      expect(nft.scripts).toHaveLength(1);
      expect(nft.last).toContain('x/deny-b');
    } finally {
      await stop(node);
      await mem.close();
    }
  });
});
