// What `gingham lab status` reports: the lab's nodes (namespace, address, agent PID and whether it runs, status
// socket), its pods (namespace, address) and etcd, from state.json and the live processes. Also resolves the NODE|POD
// names `gingham lab exec` accepts, with the environment that makes the CLI inside a node talk to that node's agent.
import path from 'node:path';
import type { LabSys } from './lab-sys';
import { labPaths, readState, type LabState } from './lab-state';
import { GinghamError } from '../lib/errors';

export interface LabStatus {
  readonly stateDir: string;
  readonly prefix: string;
  readonly encap: string;
  readonly etcd: { readonly endpoint: string; readonly namespace: string; readonly pid?: number; readonly running: boolean };
  readonly nodes: ReadonlyArray<{ name: string; namespace: string; address: string; subnet: string; pid?: number; running: boolean; statusSocket: string; log: string }>;
  readonly pods: ReadonlyArray<{ name: string; node: string; namespace: string; ip?: string; error?: string }>;
  readonly warnings: readonly string[];
}

export function labStatus(stateDir: string, sys: LabSys): LabStatus {
  const p = labPaths(stateDir);
  const s = readState(p);
  const t = s.topology;
  return {
    stateDir,
    prefix: s.prefix,
    encap: s.encap,
    etcd: { endpoint: t.etcdEndpoint, namespace: t.lanNamespace, ...(s.etcdPid ? { pid: s.etcdPid } : {}), running: s.etcdPid !== undefined && sys.alive(s.etcdPid) },
    nodes: t.nodes.map((n) => {
      const pid = s.agentPids[n.name];
      return {
        name: n.name,
        namespace: n.namespace,
        address: n.cidr,
        subnet: t.subnets[n.subnet]!.cidr,
        ...(pid ? { pid } : {}),
        running: pid !== undefined && sys.alive(pid),
        statusSocket: p.statusSocket(n.name),
        log: path.join(p.logDir, `${n.name}.log`),
      };
    }),
    pods: s.pods.map((x) => ({ name: x.name, node: x.node, namespace: x.namespace, ...(x.ip ? { ip: x.ip } : {}), ...(x.error ? { error: x.error } : {}) })),
    warnings: s.warnings,
  };
}

export class LabTargetError extends GinghamError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LabTargetUnknown', message, options);
  }
}

/** The namespace and environment for `gingham lab exec TARGET`. */
export function execTarget(s: LabState, stateDir: string, target: string, env: NodeJS.ProcessEnv): { namespace: string; env: NodeJS.ProcessEnv } {
  const p = labPaths(stateDir);
  const t = s.topology;
  const labEnv: NodeJS.ProcessEnv = {
    ...env,
    PATH: `${p.binDir}:${env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`,
    DATASTORE_TYPE: 'etcdv3',
    ETCD_ENDPOINTS: t.etcdEndpoint,
  };
  const node = t.nodes.find((n) => n.name === target);
  if (node) return { namespace: node.namespace, env: { ...labEnv, GINGHAM_NODE_SOCKET: p.statusSocket(node.name), NODENAME: node.name } };
  const pod = t.pods.find((x) => x.name === target);
  if (pod) return { namespace: pod.namespace, env: labEnv };
  if (target === 'lan') return { namespace: t.lanNamespace, env: labEnv };
  throw new LabTargetError(`"${target}" is not a lab node or pod (nodes: ${t.nodes.map((n) => n.name).join(', ')}; pods: ${t.pods.map((x) => x.name).join(', ') || 'none'}; or lan)`);
}

export function labState(stateDir: string): LabState {
  return readState(labPaths(stateDir));
}
