// Everything one plugin invocation works with: the parsed configuration and environment, the node's name, and the
// injected outside world (netlink in the plugin's namespace and in the container's, sysctls, files, the cluster through
// the narrow CniBackend port, the lock around IPAM, delegation to other IPAM plugins, the clock). cmd/ builds the
// standalone one per invocation, node/cni-server.ts the agent's over its long-lived backend; tests build fakes.
import type { CniBackend } from './backend';
import type { Netlink } from '../netlink/netlink';
import type { NetConf } from './cni-config';
import type { CniCommand, CniEnv } from './cni-env';
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
  readonly backend: CniBackend;
  /**
   * Runs fn holding the node's IPAM lock: the host lock file (conf.ipamLockFile, bounded by conf.ipamLockTimeoutMs)
   * standalone, an in-process queue in the agent.
   */
  readonly withLock: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Runs the IPAM plugin ipam.type for command with this configuration; the parsed result for ADD. */
  readonly delegate: (command: CniCommand, type: string, netconf: Record<string, unknown>) => Promise<CniResult | undefined>;
  readonly now: () => Date;
}
