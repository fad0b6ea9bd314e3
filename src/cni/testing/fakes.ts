// Test doubles for the CNI plugin's outside world: FakeNetlink namespaces joined by veth pairs, a sysctl recorder,
// a small in-memory CniIpam, and a PluginContext built from them on the memory datastore. Test-only (excluded from
// the build).
import { MemoryDatastore } from '../../datastore/memory/memory-datastore';
import { formatIp, parseCidr } from '../../lib/ip';
import { FakeNetlink } from '../../netlink/fake';
import type { LinkInfo, Netlink, VethOptions } from '../../netlink/netlink';
import { NetlinkError } from '../../netlink/netlink-error';
import { datastoreBackend, type CniBackend } from '../backend';
import { parseNetConf } from '../cni-config';
import { parseEnv } from '../cni-env';
import type { CniAutoAssign, CniIpam } from '../cni-ipam';
import type { ClosableContext } from '../run-plugin';
import type { SysctlWriter } from '../sysctl';
import type { ReadFile } from '../mtu';
import type { NetnsOpener } from '../pod-network';

/** Namespaces by path; the host's createVeth puts the peer into the named one, as the kernel does. */
export class FakeNamespaces {
  readonly byPath = new Map<string, FakeNetlink>();
  readonly host: HostFakeNetlink;
  opened = 0;
  stopped = 0;

  constructor() {
    this.host = new HostFakeNetlink(this);
  }

  add(path: string): FakeNetlink {
    const nl = new FakeNetlink();
    this.byPath.set(path, nl);
    return nl;
  }

  readonly open = async (path: string): Promise<Netlink & { stop(): Promise<void> }> => {
    const nl = this.byPath.get(path);
    if (!nl) throw new Error(`nsenter: cannot open ${path}: No such file or directory`);
    this.opened++;
    return new Proxy(nl as unknown as Netlink & { stop(): Promise<void> }, {
      get: (t, prop) => {
        if (prop === 'stop') {
          return async () => {
            this.stopped++;
          };
        }
        const v = (t as unknown as Record<string | symbol, unknown>)[prop];
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
  };
}

export class HostFakeNetlink extends FakeNetlink {
  /** Host veth name -> [namespace path, peer name], so deleting one end removes the other. */
  private readonly peers = new Map<string, [string, string]>();

  constructor(private readonly spaces: FakeNamespaces) {
    super();
  }

  override async createVeth(o: VethOptions): Promise<LinkInfo> {
    if (!o.peerNetns || !('path' in o.peerNetns)) return super.createVeth(o);
    const target = this.spaces.byPath.get(o.peerNetns.path);
    if (!target) throw new NetlinkError('ENOENT', 'link add', `${o.name} netns ${o.peerNetns.path}`);
    if (await target.findLink(o.peerName)) throw new NetlinkError('EEXIST', 'link add', `${o.name} type veth peer ${o.peerName}`);
    const link = await super.createVeth(o);
    target.addExistingLink(o.peerName, { mtu: o.mtu ?? 1500, mac: o.peerMac ?? '0a:58:0a:00:00:01', up: false, kind: 'veth' });
    this.peers.set(o.name, [o.peerNetns.path, o.peerName]);
    return link;
  }

  override async deleteLink(ref: string | number): Promise<void> {
    const name = typeof ref === 'string' ? ref : (await this.getLink(ref)).name;
    await super.deleteLink(ref);
    const peer = this.peers.get(name);
    if (peer) {
      this.peers.delete(name);
      await this.spaces.byPath.get(peer[0])?.deleteLink(peer[1]).catch(() => undefined);
    }
  }
}

export class RecordingSysctl implements SysctlWriter {
  readonly values = new Map<string, string>();
  async set(key: string, value: string): Promise<void> {
    this.values.set(key, value);
  }
}

/** Addresses from one IPv4 CIDR, lowest free first; enough to exercise the plugin, not Calico's algorithm. */
export class MemoryIpam implements CniIpam {
  readonly held = new Map<string, string[]>();
  readonly attrs = new Map<string, Readonly<Record<string, string>>>();
  failNextAssign?: Error;

  constructor(
    private readonly cidr = '10.244.0.0/30',
    private readonly cidr6 = 'fd00:10:244::/126',
  ) {}

  async autoAssign(req: CniAutoAssign): Promise<{ ipv4: string[]; ipv6: string[] }> {
    if (this.failNextAssign) {
      const e = this.failNextAssign;
      this.failNextAssign = undefined;
      throw e;
    }
    const used = new Set([...this.held.values()].flat());
    const pick = (cidr: string): string | undefined => {
      const c = parseCidr(cidr);
      const bits = c.family === 4 ? 32 : 128;
      for (let i = 0n; i < 2n ** BigInt(bits - c.prefixLen); i++) {
        const ip = `${formatIp({ family: c.family, value: c.addr + i })}/${bits}`;
        if (!used.has(ip)) return ip;
      }
      return undefined;
    };
    const v4 = req.num4 > 0 ? pick(this.cidr) : undefined;
    const v6 = req.num6 > 0 ? pick(this.cidr6) : undefined;
    const got = [v4, v6].filter((x): x is string => x !== undefined);
    if (got.length > 0) {
      this.held.set(req.handleId, [...(this.held.get(req.handleId) ?? []), ...got]);
      this.attrs.set(req.handleId, req.attrs);
    }
    return { ipv4: v4 ? [v4] : [], ipv6: v6 ? [v6] : [] };
  }

  async addressesOf(handleId: string): Promise<string[]> {
    return this.held.get(handleId) ?? [];
  }

  async releaseByHandle(handleId: string): Promise<void> {
    this.held.delete(handleId);
    this.attrs.delete(handleId);
  }
}

export const TEST_NETNS = '/var/run/netns/test-pod';

export function confText(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'k8s-pod-network',
    type: 'gingham',
    datastore_type: 'etcdv3',
    etcd_endpoints: 'http://127.0.0.1:2379',
    nodename: 'node-1',
    mtu: 1440,
    ipam: { type: 'gingham-ipam' },
    ...extra,
  });
}

export function cniEnv(command: string, containerId = 'c0ffee1234567890', pod = 'web-0', namespace = 'default'): NodeJS.ProcessEnv {
  return {
    CNI_COMMAND: command,
    CNI_CONTAINERID: containerId,
    CNI_NETNS: TEST_NETNS,
    CNI_IFNAME: 'eth0',
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${namespace};K8S_POD_NAME=${pod};K8S_POD_INFRA_CONTAINER_ID=${containerId}`,
    CNI_PATH: '/opt/cni/bin',
  };
}

export interface World {
  readonly spaces: FakeNamespaces;
  readonly sysctl: RecordingSysctl;
  readonly ipam: MemoryIpam;
  readonly datastore: MemoryDatastore;
  readonly files: Map<string, string>;
  context(confJson: string, env: NodeJS.ProcessEnv): ClosableContext;
}

export function makeWorld(): World {
  const spaces = new FakeNamespaces();
  spaces.host.addExistingLink('eth0', { mtu: 1500 });
  spaces.add(TEST_NETNS);
  const sysctl = new RecordingSysctl();
  const ipam = new MemoryIpam();
  const datastore = new MemoryDatastore();
  const files = new Map<string, string>();
  return {
    spaces,
    sysctl,
    ipam,
    datastore,
    files,
    context(confJson, env) {
      const conf = parseNetConf(confJson);
      return {
        conf,
        env: parseEnv(env),
        nodename: conf.nodename || 'node-1',
        host: spaces.host,
        openNetns: spaces.open,
        sysctl,
        readFile: (p) => files.get(p),
        backend: datastoreBackend(datastore, ipam),
        withLock: (fn) => fn(),
        delegate: async () => {
          throw new Error('no delegation in this test');
        },
        now: () => new Date('2026-12-01T12:00:00Z'),
        close: async () => undefined,
      };
    },
  };
}

/** What a hosted CNI service (node/cni-server.ts) needs from a world, besides its node name and logger. */
export function hostedParts(w: World): { backend: CniBackend; host: Netlink; openNetns: NetnsOpener; sysctl: SysctlWriter; readFile: ReadFile; now: () => Date } {
  return { backend: datastoreBackend(w.datastore, w.ipam), host: w.spaces.host, openNetns: w.spaces.open, sysctl: w.sysctl, readFile: (p) => w.files.get(p), now: () => new Date('2026-12-01T12:00:00Z') };
}
