// Pods of the lab: a network namespace per pod, connected by the installed `gingham` CNI plugin run inside its node's
// namespace exactly as a container runtime runs it (CNI_* environment, the conflist's plugin entry on stdin).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFLIST_NAME } from '../cni/install';
import { execIn, ipIn, runOk, type LabSys } from './lab-sys';
import type { LabPaths, LabPodState } from './lab-state';
import type { LabPod, LabTopology } from './lab-topology';

/** A pod of the lab: one `up` made (namespace default, no labels) or one of the lab's Kubernetes pods. */
export type LabPodSpec = LabPod & { readonly k8sNamespace?: string };

export function containerId(pod: LabPodSpec): string {
  return pod.k8sNamespace === undefined || pod.k8sNamespace === 'default' ? `lab-${pod.name}` : `lab-${pod.k8sNamespace}-${pod.name}`;
}

/** The network configuration a runtime passes for one node: the conflist's first plugin with its name/version. */
export function pluginConfig(p: LabPaths, node: string): string {
  const list = JSON.parse(readFileSync(path.join(p.cniConfDir, CONFLIST_NAME), 'utf8')) as { name: string; cniVersion: string; plugins: Array<Record<string, unknown>> };
  return JSON.stringify({
    ...list.plugins[0],
    name: list.name,
    cniVersion: list.cniVersion,
    nodename: node,
    mtu_file: path.join(p.nodeDir(node), 'mtu'),
    nodename_file_path: path.join(p.nodeDir(node), 'nodename'),
    ipam_lock_file: path.join(p.nodeDir(node), 'ipam.lock'),
  });
}

export function runPlugin(sys: LabSys, p: LabPaths, t: LabTopology, pod: LabPodSpec, command: 'ADD' | 'DEL'): { status: number | null; stdout: string; stderr: string } {
  const node = t.nodes.find((n) => n.name === pod.node)!;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    CNI_COMMAND: command,
    CNI_CONTAINERID: containerId(pod),
    CNI_NETNS: `/var/run/netns/${pod.namespace}`,
    CNI_IFNAME: 'eth0',
    CNI_PATH: `${p.cniBinDir}:/usr/lib/cni:/opt/cni/bin`,
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${pod.k8sNamespace ?? 'default'};K8S_POD_NAME=${pod.name};K8S_POD_INFRA_CONTAINER_ID=${containerId(pod)}`,
  };
  return execIn(sys, node.namespace, [path.join(p.cniBinDir, 'gingham')], { env, input: pluginConfig(p, node.name), timeoutMs: 60_000 });
}

export async function createPod(sys: LabSys, p: LabPaths, t: LabTopology, pod: LabPodSpec): Promise<LabPodState> {
  runOk(sys, 'ip', ['netns', 'add', pod.namespace]);
  ipIn(sys, pod.namespace, ['link', 'set', 'lo', 'up']);
  const r = runPlugin(sys, p, t, pod, 'ADD');
  if (r.status !== 0) {
    let msg = (r.stderr || r.stdout).trim();
    try {
      const j = JSON.parse(r.stdout) as { msg?: string; details?: string };
      if (j.msg) msg = `${j.msg}${j.details ? `: ${j.details}` : ''}`;
    } catch {
      // not CNI error JSON: keep the raw output
    }
    return { ...pod, error: msg || `plugin exited ${r.status}` };
  }
  const res = JSON.parse(r.stdout) as { ips?: Array<{ address: string }> };
  const ip = res.ips?.[0]?.address.split('/')[0];
  return ip ? { ...pod, ip } : { ...pod, error: `no address in the plugin's result: ${r.stdout.trim()}` };
}
