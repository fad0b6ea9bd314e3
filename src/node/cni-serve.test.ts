import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CNI_WIRE_VERSION, type CniWireReply } from '../api/wire/cni';
import { CONFLIST_NAME } from '../cni/install';
import { MemoryDatastore } from '../datastore/memory/memory-datastore';
import { DatastoreCache } from '../datastore/cache';
import { nullLogger } from '../lib/logger';
import { requestUnixJson } from '../lib/unix-json-client';
import { FakeNetlink } from '../netlink/fake';
import { IpamAllocator } from '../ipam';
import { CNI_CACHE_KINDS, startNodeCni, type NodeCniDeps } from './cni-serve';

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
});
