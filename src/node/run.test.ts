import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryNetwork } from '../bgp/session/testing/memory-network';
import { MemoryDatastore } from '../datastore/memory/memory-datastore';
import { FakeClock } from '../lib/fake-clock';
import { nullLogger } from '../lib/logger';
import { FakeNetlink } from '../netlink/fake';
import { NODE_START_ERR, NodeStartError, runNode, type NodeConfig, type NodeDeps } from './run';
import { parseStartupEnv } from './startup';
import { nodeStatusClient } from './status-api';
import type { NodeStatusReply } from '../api/wire/node-status';

describe('runNode', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gingham-run-node-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function setup(ip: string): Promise<{ cfg: NodeConfig; deps: NodeDeps; sysctl: string[]; store: MemoryDatastore }> {
    const nl = new FakeNetlink();
    nl.addExistingLink('ens3', { up: true });
    await nl.addAddress('ens3', '10.0.0.12/24');
    const store = new MemoryDatastore();
    const sysctl: string[] = [];
    const net = new MemoryNetwork();
    const cfg: NodeConfig = {
      startup: parseStartupEnv({ NODENAME: 'node1', IP: ip, CALICO_IPV4POOL_CIDR: '10.244.0.0/16' }, 'host'),
      statusSocket: path.join(dir, 'node.sock'),
      health: { host: '127.0.0.1', port: 0 },
      nodenameFile: path.join(dir, 'lib', 'nodename'),
      mtuFile: path.join(dir, 'lib', 'mtu'),
    };
    const deps: NodeDeps = {
      clock: new FakeClock(0),
      logger: nullLogger,
      store,
      netlink: nl,
      sysctl: { set: async (k, v) => void sysctl.push(`${k}=${v}`) },
      transport: net.transport('10.0.0.12'),
      listener: net.listener(),
    };
    return { cfg, deps, sysctl, store };
  }

  it('registers the node, finds the interface holding a bare IP, turns forwarding on and serves the status socket', async () => {
    const { cfg, deps, sysctl, store } = await setup('10.0.0.12');
    const node = await runNode(cfg, deps);
    try {
      expect((await store.get('Node', 'node1')).spec).toMatchObject({ bgp: { ipv4Address: '10.0.0.12/32' } });
      expect((await store.list('IPPool')).items.map((p) => (p.spec as { cidr: string }).cidr)).toEqual(['10.244.0.0/16']);
      expect(sysctl).toEqual(['net.ipv4.ip_forward=1']);
      expect(readFileSync(cfg.nodenameFile, 'utf8')).toBe('node1\n');
      expect(readFileSync(cfg.mtuFile, 'utf8')).toBe('1480\n');
      const client = nodeStatusClient(cfg.statusSocket);
      try {
        const reply = await client.call<NodeStatusReply>('GetNodeStatus', {}, 2000);
        expect(reply.nodeName).toBe('node1');
        expect(reply.peers).toEqual([]);
      } finally {
        client.close();
      }
    } finally {
      await node.stop();
      await store.close();
    }
  });

  it('refuses an address that no interface of the host holds, naming IP (no silent eth0)', async () => {
    const { cfg, deps, store } = await setup('10.9.9.9/24');
    const err = await runNode(cfg, deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeStartError);
    expect((err as NodeStartError).code).toBe(NODE_START_ERR.NO_INTERFACE);
    expect((err as Error).message).toContain('IP: the node address 10.9.9.9/24');
    await store.close();
  });

  it('a second node process exits naming the status socket the first still serves, leaving it and the kernel alone', async () => {
    const first = await setup('10.0.0.12');
    const node = await runNode(first.cfg, first.deps);
    try {
      const second = await setup('10.0.0.12');
      const err = await runNode({ ...second.cfg, statusSocket: first.cfg.statusSocket }, second.deps).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'IN_USE', message: `status socket ${first.cfg.statusSocket} is in use by another process` });
      expect((second.deps.netlink as FakeNetlink).calls.filter((c) => c.startsWith('route'))).toEqual([]);
      // The first one still answers, with the datastore's state.
      const client = nodeStatusClient(first.cfg.statusSocket);
      try {
        const reply = await client.call<NodeStatusReply>('GetNodeStatus', {}, 2000);
        expect(reply.nodeName).toBe('node1');
        expect(reply.datastore).toEqual({ backend: 'memory', connected: true, since: 0 });
      } finally {
        client.close();
      }
      await second.store.close();
    } finally {
      await node.stop();
      await first.store.close();
    }
  });

  it('a node process whose health port is taken exits naming it', async () => {
    const first = await setup('10.0.0.12');
    const node = await runNode({ ...first.cfg, health: { host: '127.0.0.1', port: 0 } }, first.deps);
    try {
      const port = await new Promise<number>((resolve) => {
        void import('node:net').then((net) => {
          const srv = net.createServer().listen(0, '127.0.0.1', () => resolve((srv.address() as { port: number }).port));
          blockers.push(srv);
        });
      });
      const second = await setup('10.0.0.12');
      const err = await runNode({ ...second.cfg, statusSocket: path.join(dir, 'second.sock'), health: { host: '127.0.0.1', port } }, second.deps).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'IN_USE', message: `health port 127.0.0.1:${port} is in use by another process` });
      expect((second.deps.netlink as FakeNetlink).calls.filter((c) => c.startsWith('route'))).toEqual([]);
      await second.store.close();
    } finally {
      for (const b of blockers.splice(0)) b.close();
      await node.stop();
      await first.store.close();
    }
  });
});

const blockers: Array<{ close(): void }> = [];
