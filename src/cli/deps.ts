// What the CLI needs from the outside world. Only src/cmd/ builds the real ones; tests pass their own
// (src/cli/testing/cli-harness.ts builds a full set on a MemoryDatastore).
//
// Datastore access: commands that read or write resources load a ClientConfig (client-config.ts, from --config,
// /etc/gingham/gingham.cfg or the environment, through `configIo`) and hand it to `openDatastore`, which cmd/
// implements with the real etcdv3 and kubernetes backends. Use datastore-options.ts (addDatastoreOptions,
// withDatastore) rather than calling these directly: it adds calicoctl's `-c, --config` option and closes the store.
import type { Clock } from '../lib/clock';
import type { Logger, LoggerOptions } from '../lib/logger';
import type { SpeakerDeps } from '../bgp/speaker';
import type { Datastore } from '../datastore';
import type { NodeDeps } from '../node/run';
import type { KubePort } from '../controllers/kube-port';
import type { LeaseRecordStore } from '../datastore';
import type { ClientConfig, ConfigIo } from './client-config';

export interface CliDeps {
  readonly clock: Clock;
  /** The BGP speaker's sockets (`bgp run`, `node run`). */
  readonly transport: SpeakerDeps['transport'];
  readonly listener: SpeakerDeps['listener'];
  readonly logger: (opts: LoggerOptions) => Logger;
  readonly stdout: (text: string) => void;
  /** Resolves when one of the signals arrives. */
  readonly waitForSignal: (signals: readonly NodeJS.Signals[]) => Promise<NodeJS.Signals>;
  /** Messages for the operator that are not the command's output (warnings, partial failures). */
  readonly stderr: (text: string) => void;
  /** The whole of standard input, for `-f -`. */
  readonly readStdin: () => Promise<string>;
  /** The file system and environment that client configuration is read from. */
  readonly configIo: ConfigIo;
  /** Connects to the datastore a configuration names. The caller closes it. */
  readonly openDatastore: (cfg: ClientConfig) => Promise<Datastore>;
  /** The Kubernetes API for `controllers run` (KUBECONFIG or in-cluster); absent where the build has none. */
  readonly openKube?: () => KubePort;
  /** A coordination.k8s.io/v1 Lease for leader election in Kubernetes mode (same API access as openKube). */
  readonly openKubeLease?: (namespace: string, name: string) => LeaseRecordStore;
  /**
   * In a pod: a token of ServiceAccount `name` (in this pod's namespace) from a TokenRequest made with the pod's own
   * ServiceAccount, with the API server and CA the pod uses; undefined outside a cluster.
   */
  readonly requestServiceAccountToken?: (name: string, expirationSeconds: number) => Promise<{ server: string; ca?: Buffer; token: string } | undefined>;
  /** The node process's access to this host (`node run`); absent where the build has none. */
  readonly nodeHost?: NodeHostDeps;
}

/**
 * What `gingham node run` needs from the host besides the common parts above; the CLI opens netlink per run and hands
 * the rest to runNode as NodeDeps (node/run.ts). The controllers process will get its own group.
 */
export interface NodeHostDeps {
  /** rtnetlink in this process's network namespace. The caller closes it. */
  readonly openNetlink: () => NodeDeps['netlink'];
  /** Writes /proc/sys keys (net.ipv4.ip_forward). */
  readonly sysctl: NodeDeps['sysctl'];
  /** Runs a system command (iptables for NAT outgoing) with stdin; never rejects for a non-zero exit. */
  readonly runCommand: NonNullable<NodeDeps['runCommand']>;
}
