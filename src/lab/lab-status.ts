// What `gingham lab status` reports: the lab's nodes (namespace, address, agent PID and whether it runs, status
// socket), its pods (namespace, address) and etcd, from state.json and the live processes. Also resolves the NODE|POD
// names `gingham lab exec` accepts, with the environment that makes the CLI inside a node talk to that node's agent.
import path from 'node:path';
import type { LabSys } from './lab-sys';
import { labPaths, readState, type LabPodState, type LabState } from './lab-state';
import { GinghamError } from '../lib/errors';

export interface LabStatus {
  readonly stateDir: string;
  readonly prefix: string;
  readonly encap: string;
  readonly etcd: { readonly endpoint: string; readonly namespace: string; readonly pid?: number; readonly running: boolean; readonly stopped: boolean };
  readonly nodes: ReadonlyArray<{ name: string; namespace: string; address: string; subnet: string; pid?: number; running: boolean; stopped: boolean; statusSocket: string; log: string }>;
  readonly pods: ReadonlyArray<{ name: string; node: string; namespace: string; k8sNamespace: string; ip?: string; error?: string }>;
  readonly services: ReadonlyArray<{ name: string; namespace: string; clusterIP: string; ports: string }>;
  readonly warnings: readonly string[];
}

export function labStatus(stateDir: string, sys: LabSys): LabStatus {
  const p = labPaths(stateDir);
  const s = readState(p);
  const t = s.topology;
  const stopped = new Set(s.stopped ?? []);
  return {
    stateDir,
    prefix: s.prefix,
    encap: s.encap,
    etcd: { endpoint: t.etcdEndpoint, namespace: t.lanNamespace, ...(s.etcdPid ? { pid: s.etcdPid } : {}), running: s.etcdPid !== undefined && sys.alive(s.etcdPid), stopped: stopped.has('etcd') },
    nodes: t.nodes.map((n) => {
      const pid = s.agentPids[n.name];
      return {
        name: n.name,
        namespace: n.namespace,
        address: n.cidr,
        subnet: t.subnets[n.subnet]!.cidr,
        ...(pid ? { pid } : {}),
        running: pid !== undefined && sys.alive(pid),
        stopped: stopped.has(n.name),
        statusSocket: p.statusSocket(n.name),
        log: path.join(p.logDir, `${n.name}.log`),
      };
    }),
    pods: s.pods.map((x) => ({ name: x.name, node: x.node, namespace: x.namespace, k8sNamespace: x.k8sNamespace ?? 'default', ...(x.ip ? { ip: x.ip } : {}), ...(x.error ? { error: x.error } : {}) })),
    services: Object.entries(s.cluster?.services ?? {}).map(([key, svc]) => ({
      name: svc.metadata.name,
      namespace: svc.metadata.namespace,
      clusterIP: s.clusterIPs?.[key] ?? '',
      ports: svc.spec.ports.map((x) => `${x.port}/${x.protocol}`).join(','),
    })),
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
  if (target === 'lan') return { namespace: t.lanNamespace, env: labEnv };
  return { namespace: findPod(s, target).namespace, env: labEnv };
}

const podRef = (x: LabPodState): string => (x.k8sNamespace === undefined || x.k8sNamespace === 'default' ? x.name : `${x.k8sNamespace}/${x.name}`);

/** A pod by `NS/POD`, or `POD` in the default namespace (also a pod `up` made, by its name). */
export function findPod(s: Pick<LabState, 'pods' | 'topology'>, ref: string): LabPodState {
  const [ns, name] = ref.includes('/') ? (ref.split('/', 2) as [string, string]) : ['default', ref];
  const pod = s.pods.find((x) => x.name === name && (x.k8sNamespace ?? 'default') === ns);
  if (pod) return pod;
  throw new LabTargetError(
    `"${ref}" is not a lab node or pod (nodes: ${s.topology.nodes.map((n) => n.name).join(', ')}; pods: ${s.pods.map(podRef).join(', ') || 'none'}; or lan)`,
  );
}

export function labState(stateDir: string): LabState {
  return readState(labPaths(stateDir));
}
