// Everything one plugin invocation works with: the parsed configuration and environment, the node's name, and the
// injected outside world (netlink in the plugin's namespace and in the container's, sysctls, files, the datastore,
// IPAM, the host lock, delegation to other IPAM plugins, the clock). cmd/ builds the real one; tests build fakes.
import type { Datastore } from '../datastore/datastore';
import type { Netlink } from '../netlink/netlink';
import type { NetConf } from './cni-config';
import type { CniCommand, CniEnv } from './cni-env';
import type { CniIpam } from './cni-ipam';
import type { CniResult } from './cni-result';
import type { ReadFile } from './mtu';
import type { NetnsOpener } from './pod-network';
import type { SysctlWriter } from './sysctl';

export interface PluginContext {
  readonly conf: NetConf;
  readonly env: CniEnv;
  readonly nodename: string;
  readonly host: Netlink;
  readonly openNetns: NetnsOpener;
  readonly sysctl: SysctlWriter;
  readonly readFile: ReadFile;
  readonly datastore: Datastore;
  readonly ipam: CniIpam;
  /** Runs fn holding the host-wide IPAM lock (conf.ipamLockFile, bounded by conf.ipamLockTimeoutMs). */
  readonly withLock: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Runs the IPAM plugin ipam.type for command with this configuration; the parsed result for ADD. */
  readonly delegate: (command: CniCommand, type: string, netconf: Record<string, unknown>) => Promise<CniResult | undefined>;
  readonly now: () => Date;
}
