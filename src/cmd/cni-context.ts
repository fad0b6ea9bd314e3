// The real outside world of one CNI plugin invocation (composition root for src/cni): RtNetlink in the plugin's
// namespace, a Netlink inside the container's namespace through nsenter and the netns child, /proc/sys, the
// datastore named by the configuration (etcdv3 or kubernetes), Gingham IPAM on it, the host-wide lock file, and
// delegation to other IPAM plugin executables.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { NetConf } from '../cni/cni-config';
import type { CniEnv } from '../cni/cni-env';
import { datastoreBackend } from '../cni/backend';
import { delegateIpam, execPlugin } from '../cni/delegate';
import { withHostLock } from '../cni/host-lock';
import { allocatorIpam } from '../cni/ipam-allocator-adapter';
import { resolveNodename } from '../cni/nodename';
import type { ClosableContext, ContextFactory } from '../cni/run-plugin';
import { procSysWriter } from '../cni/sysctl';
import type { Datastore } from '../datastore/datastore';
import { IpamAllocator } from '../ipam';
import type { Netlink } from '../netlink/netlink';
import { nsenterArgv, startNetnsNetlink } from '../netlink/netns-proxy';
import { RtNetlink } from '../netlink/rtnetlink';

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Only the configured backend's client is loaded (each is a large module tree). */
export async function datastoreFromConf(conf: NetConf): Promise<Datastore> {
  if (conf.datastoreType === 'kubernetes') {
    const { connectKubernetes } = await import('../datastore/kubernetes/kubernetes-datastore');
    return connectKubernetes({ kubeconfigPath: conf.kubeconfig });
  }
  const { EtcdDatastore } = await import('../datastore/etcd/etcd-datastore');
  return new EtcdDatastore({ endpoints: conf.etcdEndpoints, ...(conf.etcdPrefix ? { root: conf.etcdPrefix } : {}) });
}

/** Netlink in the plugin's own namespace, opened on first use (gingham-ipam never needs one). */
function lazyHostNetlink(): { nl: Netlink; close(): void } {
  let real: RtNetlink | undefined;
  const nl = new Proxy({} as Netlink, {
    get(_t, prop) {
      if (prop === 'then') return undefined;
      real ??= new RtNetlink({ timeoutMs: 10000 });
      const v = (real as unknown as Record<string | symbol, unknown>)[prop];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(real) : v;
    },
  });
  return { nl, close: () => real?.close() };
}

export const realContextFactory: ContextFactory = async (conf: NetConf, env: CniEnv): Promise<ClosableContext> => {
  const datastore = await datastoreFromConf(conf);
  const host = lazyHostNetlink();
  return {
    conf,
    env,
    nodename: resolveNodename(conf, readOptional, hostname),
    host: host.nl,
    openNetns: async (netnsPath) => startNetnsNetlink({ argv: nsenterArgv({ path: netnsPath }) }),
    sysctl: procSysWriter(),
    readFile: readOptional,
    backend: datastoreBackend(datastore, allocatorIpam(new IpamAllocator(datastore))),
    withLock: (fn) => withHostLock({ path: conf.ipamLockFile, timeoutMs: conf.ipamLockTimeoutMs }, fn),
    delegate: (command, type, netconf) => delegateIpam(command, type, netconf, { exec: execPlugin, env: process.env, cniPath: env.path }),
    now: () => new Date(),
    close: async () => {
      host.close();
      await datastore.close();
    },
  };
};
