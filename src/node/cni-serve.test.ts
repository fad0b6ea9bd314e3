import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CNI_WIRE_VERSION, delQueueDir, type CniWireReply } from '../api/wire/cni';
import { CONFLIST_NAME } from '../cni/install';
import { MemoryDatastore } from '../datastore/memory/memory-datastore';
import { DatastoreCache } from '../datastore/cache';
import { nullLogger } from '../lib/logger';
import { requestUnixJson } from '../lib/unix-json-client';
import { FakeNetlink } from '../netlink/fake';
import { IpamAllocator } from '../ipam';
import { FakeClock } from '../lib/fake-clock';
import { atomicStore } from '../datastore/testing/atomic-memory';
import { CNI_CACHE_KINDS, DEL_QUEUE_DRAIN_INTERVAL_MS, startNodeCni, type NodeCniDeps } from './cni-serve';

describe('startNodeCni', () => {
  let dir = '';
  let deps: NodeCniDeps;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-cni-serve-'));
    const store = new MemoryDatastore();
    deps = { nodeName: 'node1', store, cache: new DatastoreCache(store, []), netlink: new FakeNetlink(), sysctl: { set: async () => undefined }, logger: nullLogger };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('serves the socket, then writes a conflist naming it; the conflist outlives the server', async () => {
    const socket = path.join(dir, 'run', 'cni.sock');
    const confDir = path.join(dir, 'net.d');
    const server = await startNodeCni({ socket, confDir, datastore: { type: 'etcdv3', etcdEndpoints: 'http://127.0.0.1:2379' } }, deps);
    try {
      const conflist = JSON.parse(fs.readFileSync(path.join(confDir, CONFLIST_NAME), 'utf8')) as { plugins: Array<Record<string, unknown>> };
      expect(conflist.plugins[0]).toMatchObject({ type: 'gingham', cni_socket: socket, nodename: 'node1', datastore_type: 'etcdv3', etcd_endpoints: 'http://127.0.0.1:2379' });
      // STATUS through the socket: ready when the datastore answers.
      const r = (await requestUnixJson(socket, { version: CNI_WIRE_VERSION, plugin: 'gingham', env: { CNI_COMMAND: 'STATUS' }, stdin: JSON.stringify({ cniVersion: '1.0.0', name: 'k8s-pod-network', ...conflist.plugins[0] }) }, { connectTimeoutMs: 1000, replyTimeoutMs: 5000 })) as CniWireReply;
      expect(r).toMatchObject({ exitCode: 0, stdout: '' });
      // The service's datastore requests so far: STATUS listed the pools once.
      expect(r.datastoreRequests).toBe(1);
    } finally {
      await server.close();
    }
    expect(fs.existsSync(socket)).toBe(false);
    expect(fs.existsSync(path.join(confDir, CONFLIST_NAME))).toBe(true);
  });

  it('stops serving when the conflist cannot be written', async () => {
    const socket = path.join(dir, 'cni.sock');
    const confDir = path.join(dir, 'not-a-dir');
    fs.writeFileSync(confDir, 'x');
    await expect(startNodeCni({ socket, confDir, datastore: { type: 'kubernetes' } }, deps)).rejects.toThrow(/not-a-dir/);
    expect(fs.existsSync(socket)).toBe(false);
  });

  it('before serving, releases the addresses of ADDs that never wrote their endpoint', async () => {
    const store = new MemoryDatastore();
    await store.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: '10.7.0.0/24', blockSize: 26, nodeSelector: 'all()' } });
    await store.create({ apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: 'node1' }, spec: {} });
    const allocator = new IpamAllocator(store);
    await allocator.autoAssign({ handleId: 'k8s-pod-network.unfinished', hostname: 'node1', num4: 1, attrs: { node: 'node1', pod: 'p1', namespace: 'default' } });
    await allocator.autoAssign({ handleId: 'vxlan-tunnel-addr-node1', hostname: 'node1', num4: 1, attrs: { node: 'node1' } });
    const cache = new DatastoreCache(store, [...CNI_CACHE_KINDS, 'WorkloadEndpoint']);
    await cache.start();
    const server = await startNodeCni({ socket: path.join(dir, 'cni.sock'), datastore: { type: 'etcdv3' } }, { ...deps, store, cache });
    try {
      expect(await allocator.ipsByHandle('k8s-pod-network.unfinished')).toEqual([]);
      expect(await allocator.ipsByHandle('vxlan-tunnel-addr-node1')).toHaveLength(1);
    } finally {
      await server.close();
      await cache.close();
    }
  });

  it('replays the DELs queued beside its socket before serving, then every interval while serving', async () => {
    const store = new MemoryDatastore();
    await store.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: '10.7.0.0/24', blockSize: 26, nodeSelector: 'all()' } });
    await store.create({ apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: 'node1' }, spec: {} });
    const allocator = new IpamAllocator(store);
    const cache = new DatastoreCache(store, [...CNI_CACHE_KINDS, 'WorkloadEndpoint']);
    const socket = path.join(dir, 'run', 'cni.sock');
    const queue = delQueueDir(socket);
    fs.mkdirSync(queue, { recursive: true });
    const stdin = JSON.stringify({ cniVersion: '1.0.0', name: 'k8s-pod-network', type: 'gingham', datastore_type: 'etcdv3', etcd_endpoints: 'http://127.0.0.1:2379', nodename: 'node1', ipam: { type: 'gingham-ipam' }, cni_socket: socket });
    const queueDel = (ctr: string): void =>
      fs.writeFileSync(path.join(queue, `${ctr}.eth0.gingham`), JSON.stringify({ version: CNI_WIRE_VERSION, plugin: 'gingham', env: { CNI_COMMAND: 'DEL', CNI_CONTAINERID: ctr, CNI_IFNAME: 'eth0', CNI_NETNS: '/var/run/netns/gone', CNI_ARGS: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p1' }, stdin }));
    for (const ctr of ['down', 'later']) await allocator.autoAssign({ handleId: `k8s-pod-network.${ctr}`, hostname: 'node1', num4: 1, attrs: { node: 'node1' } });
    // The WorkloadEndpoints exist (the reconcile keeps their addresses): only the queued DEL releases them.
    for (const ctr of ['down', 'later']) {
      await store.create({ apiVersion: 'projectcalico.org/v3', kind: 'WorkloadEndpoint', metadata: { name: `node1-k8s-${ctr}-eth0`, namespace: 'default' }, spec: { node: 'node1', containerID: ctr, pod: ctr, endpoint: 'eth0', orchestrator: 'k8s', interfaceName: `cali${ctr}` } });
    }
    await cache.start();
    queueDel('down');
    const clock = new FakeClock();
    const server = await startNodeCni({ socket, datastore: { type: 'etcdv3' } }, { ...deps, store, cache, clock });
    try {
      expect(await allocator.ipsByHandle('k8s-pod-network.down')).toEqual([]);
      expect(fs.readdirSync(queue)).toEqual([]);
      queueDel('later');
      // Wait for the drain that runs right after the socket opens, then the timer brings the next one.
      for (let i = 0; i < 50 && clock.pending() === 0; i++) await new Promise((r) => setTimeout(r, 10));
      clock.advance(DEL_QUEUE_DRAIN_INTERVAL_MS);
      for (let i = 0; i < 100 && fs.readdirSync(queue).length > 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(fs.readdirSync(queue)).toEqual([]);
      expect(await allocator.ipsByHandle('k8s-pod-network.later')).toEqual([]);
    } finally {
      await server.close();
      await cache.close();
    }
    expect(clock.pending()).toBe(0);
  });

  it('DEL costs two datastore requests: the endpoint delete (from the cache\'s resourceVersion) and the IPAM commit', async () => {
    const { store } = atomicStore();
    await store.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: '10.7.0.0/24', blockSize: 26, nodeSelector: 'all()' } });
    await store.create({ apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: 'node1' }, spec: {} });
    const allocator = new IpamAllocator(store);
    await allocator.autoAssign({ handleId: 'k8s-pod-network.c1', hostname: 'node1', num4: 1, attrs: { node: 'node1' } });
    await store.create({ apiVersion: 'projectcalico.org/v3', kind: 'WorkloadEndpoint', metadata: { name: 'node1-k8s-p1-eth0', namespace: 'default' }, spec: { node: 'node1', containerID: 'c1', pod: 'p1', endpoint: 'eth0', orchestrator: 'k8s', interfaceName: 'calip1' } });
    const cache = new DatastoreCache(store, [...CNI_CACHE_KINDS, 'WorkloadEndpoint']);
    await cache.start();
    const socket = path.join(dir, 'cni.sock');
    const server = await startNodeCni({ socket, datastore: { type: 'etcdv3' } }, { ...deps, store, cache });
    try {
      const stdin = JSON.stringify({ cniVersion: '1.0.0', name: 'k8s-pod-network', type: 'gingham', datastore_type: 'etcdv3', etcd_endpoints: 'http://127.0.0.1:2379', nodename: 'node1', ipam: { type: 'gingham-ipam' }, cni_socket: socket });
      const call = async (env: Record<string, string>): Promise<CniWireReply> =>
        (await requestUnixJson(socket, { version: CNI_WIRE_VERSION, plugin: 'gingham', env, stdin }, { connectTimeoutMs: 1000, replyTimeoutMs: 5000 })) as CniWireReply;
      const before = (await call({ CNI_COMMAND: 'VERSION' })).datastoreRequests!;
      const del = await call({ CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0', CNI_NETNS: '/var/run/netns/gone', CNI_ARGS: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p1' });
      expect(del).toMatchObject({ exitCode: 0, stdout: '' });
      expect(del.datastoreRequests! - before).toBe(2);
      expect(await allocator.ipsByHandle('k8s-pod-network.c1')).toEqual([]);
      expect((await store.list('WorkloadEndpoint')).items).toEqual([]);
    } finally {
      await server.close();
      await cache.close();
    }
  });
});
