// The lab's state directory (default /var/run/gingham-lab): state.json describing what `up` built (read by status,
// exec, apply and down), one PID file per daemon written the moment it starts (so `down` finds them after a crash),
// logs, the etcd data, the CNI executables and the per-node files (status socket, nodename, MTU).
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withFileLock, writeAtomic } from './lab-lock';
import type { LabSys } from './lab-sys';
import type { LabEncap, LabTopology } from './lab-topology';
import type { LabCluster } from './lab-k8s';
import { GinghamError } from '../lib/errors';

export const DEFAULT_LAB_DIR = '/var/run/gingham-lab';
export const DEFAULT_LAB_PREFIX = 'glab-';

export interface LabPodState {
  readonly name: string;
  readonly node: string;
  /** The pod's network namespace. */
  readonly namespace: string;
  readonly ip?: string;
  readonly error?: string;
  /** The Kubernetes namespace of a pod made from the lab's Kubernetes objects (absent: a pod `up` made, in default). */
  readonly k8sNamespace?: string;
  /** The PID of the server answering on the pod's ports (pod-server.ts). */
  readonly serverPid?: number;
  /** The WorkloadEndpoint labels, profiles and ports last written for the pod (JSON), to write only changes. */
  readonly endpointApplied?: string;
}

export interface LabState {
  readonly prefix: string;
  readonly stateDir: string;
  readonly encap: LabEncap;
  readonly topology: LabTopology;
  readonly etcdPid?: number;
  readonly agentPids: Readonly<Record<string, number>>;
  /** Daemons an operator stopped with `gingham lab stop` ('etcd' or a node name): status says "stopped", not "not running". */
  readonly stopped?: readonly string[];
  readonly pods: readonly LabPodState[];
  readonly warnings: readonly string[];
  /** The Kubernetes objects the lab keeps as its API server (lab-k8s.ts). */
  readonly cluster?: LabCluster;
  /** ClusterIPs allocated, by service ns/name. */
  readonly clusterIPs?: Readonly<Record<string, string>>;
  /** Calico objects the lab wrote for the cluster (`Kind ns/name` keys), so that removed ones are deleted. */
  readonly calicoWritten?: readonly string[];
  /** A digest of each of those objects as last written, so that a reconcile writes only what changed. */
  readonly calicoDigests?: Readonly<Record<string, string>>;
  /** `up` set net.netfilter.nf_log_all_netns for this lab (lab-netns-log.ts); `down` releases it. */
  readonly netnsLog?: boolean;
}

export interface LabPaths {
  readonly dir: string;
  readonly stateFile: string;
  readonly lockFile: string;
  readonly pidDir: string;
  readonly logDir: string;
  readonly etcdData: string;
  readonly binDir: string;
  readonly cniBinDir: string;
  readonly cniConfDir: string;
  nodeDir(node: string): string;
  statusSocket(node: string): string;
}

export function labPaths(dir: string): LabPaths {
  return {
    dir,
    stateFile: path.join(dir, 'state.json'),
    lockFile: path.join(dir, 'state.lock'),
    pidDir: path.join(dir, 'pids'),
    logDir: path.join(dir, 'logs'),
    etcdData: path.join(dir, 'etcd'),
    binDir: path.join(dir, 'bin'),
    cniBinDir: path.join(dir, 'cni', 'bin'),
    cniConfDir: path.join(dir, 'cni', 'net.d'),
    nodeDir: (node) => path.join(dir, 'nodes', node),
    statusSocket: (node) => path.join(dir, 'nodes', node, 'node.sock'),
  };
}

/** Replaces state.json atomically (write a temporary file, rename). Only `up` calls it unlocked, before anything else runs. */
export function writeState(p: LabPaths, s: LabState): void {
  writeAtomic(p.stateFile, JSON.stringify(s, null, 2) + '\n');
}

/**
 * Read-modify-write of state.json under the lab's lock: the state is read again inside the lock, so concurrent
 * commands (restarting several nodes at once) each change only their part and nothing is lost.
 */
export async function updateState(p: LabPaths, sys: Pick<LabSys, 'alive' | 'sleep'>, change: (s: LabState) => LabState): Promise<LabState> {
  return withFileLock(p.lockFile, { alive: (pid) => sys.alive(pid), sleep: (ms) => sys.sleep(ms), pid: process.pid, now: Date.now }, () => {
    const next = change(readState(p));
    writeState(p, next);
    return next;
  });
}

/**
 * Exactly the network namespaces this lab made or may have made: the LAN, every node and every pod it records. `down`
 * and `up`'s conflict check use these names, never a prefix match (a lab with prefix `nw-` must not touch `nw-b-lan`).
 */
export function labNamespaces(s: Pick<LabState, 'topology' | 'pods'>): string[] {
  const t = s.topology;
  return [...new Set([t.lanNamespace, ...t.nodes.map((n) => n.namespace), ...t.pods.map((x) => x.namespace), ...s.pods.map((x) => x.namespace)])];
}

export class LabNotUpError extends GinghamError {
  constructor(dir: string) {
    super('LabNotUp', `no lab in ${dir} (start one with: gingham lab up)`);
  }
}

export function readState(p: LabPaths): LabState {
  let text: string;
  try {
    text = readFileSync(p.stateFile, 'utf8');
  } catch {
    throw new LabNotUpError(p.dir);
  }
  return JSON.parse(text) as LabState;
}

export function recordPid(p: LabPaths, name: string, pid: number): void {
  mkdirSync(p.pidDir, { recursive: true });
  writeFileSync(path.join(p.pidDir, `${name}.pid`), `${pid}\n`);
}

/** Every PID recorded under pids/ (including those of a lab whose `up` crashed before state.json). */
export function recordedPids(p: LabPaths): number[] {
  let files: string[];
  try {
    files = readdirSync(p.pidDir);
  } catch {
    return [];
  }
  return files
    .filter((f) => f.endsWith('.pid'))
    .map((f) => Number(readFileSync(path.join(p.pidDir, f), 'utf8').trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}
