// etcd mode's node controllers (in Kubernetes mode the Calico Node *is* the Kubernetes Node and neither runs):
// - node deleter (kube-controllers/pkg/controllers/node/node_deleter.go): a Calico Node whose Kubernetes orchRef names
//   a Node that is gone is deleted; the apply step re-reads the Kubernetes Node and deletes only on NotFound, and
//   guards the delete with the resourceVersion read. Calico Nodes without a Kubernetes orchRef are left alone. The
//   node's IPAM is then released by the GC (its deleted-node path), as in Calico.
// - label sync (labels.go): Kubernetes Node labels are copied onto the Calico Node; the set copied last time is kept
//   as JSON in the annotation projectcalico.org/kube-labels, so a label that came from Kubernetes and was removed
//   there is removed, while labels set on the Calico Node by hand survive.
// Both are pure reconcile functions; the apply step is applyNodeActions.
import type { CalicoNode } from '../api/kind-node';
import type { Datastore } from '../datastore';
import { DatastoreErrorCode, isDatastoreError, updateWithRetry } from '../datastore';
import { describeError } from '../lib/errors';
import type { Logger } from '../lib/logger';

export const KUBE_LABELS_ANNOTATION = 'projectcalico.org/kube-labels';
export const K8S_ORCHESTRATOR = 'k8s';

export interface KubeNodeInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The Ready condition: true (True), false (False or Unknown); undefined when the Node reports none. */
  readonly ready?: boolean;
}

export type NodeAction =
  | { readonly type: 'delete-node'; readonly name: string; readonly kubeNode: string; readonly resourceVersion: string | undefined }
  | { readonly type: 'set-labels'; readonly name: string; readonly labels: Readonly<Record<string, string>>; readonly kubeLabels: string };

/** The Kubernetes node name a Calico Node stands for (orchRefs[orchestrator=k8s].nodeName); undefined when none. */
export function kubeNodeNameOf(n: CalicoNode): string | undefined {
  const ref = n.spec?.orchRefs?.find((r) => r.orchestrator === K8S_ORCHESTRATOR);
  return ref === undefined ? undefined : ref.nodeName || n.metadata.name;
}

/** Calico Nodes whose Kubernetes Node is not in the list (node_deleter.go deleteStaleNodes). */
export function reconcileNodeDeletes(calicoNodes: readonly CalicoNode[], kubeNodes: readonly KubeNodeInfo[]): NodeAction[] {
  const alive = new Set(kubeNodes.map((k) => k.name));
  const out: NodeAction[] = [];
  for (const n of calicoNodes) {
    const k = kubeNodeNameOf(n);
    if (k === undefined || alive.has(k)) continue;
    out.push({ type: 'delete-node', name: n.metadata.name, kubeNode: k, resourceVersion: n.metadata.resourceVersion });
  }
  return out;
}

function parseKubeLabels(text: string | undefined): Record<string, string> {
  if (text === undefined) return {};
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {}; // an unreadable annotation is ignored, as Calico ignores invalid annotation values
  }
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
}

/** The labels a Calico Node should carry given its Kubernetes Node (labels.go syncNodeLabels). */
export function syncedLabels(n: CalicoNode, kube: KubeNodeInfo): { labels: Record<string, string>; kubeLabels: string } {
  const previous = parseKubeLabels(n.metadata.annotations?.[KUBE_LABELS_ANNOTATION]);
  const labels: Record<string, string> = { ...(n.metadata.labels ?? {}) };
  for (const k of Object.keys(previous)) if (!(k in kube.labels)) delete labels[k];
  Object.assign(labels, kube.labels);
  const sorted = Object.fromEntries(Object.entries(kube.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { labels, kubeLabels: JSON.stringify(sorted) };
}

export function reconcileNodeLabels(calicoNodes: readonly CalicoNode[], kubeNodes: readonly KubeNodeInfo[]): NodeAction[] {
  const byName = new Map(kubeNodes.map((k) => [k.name, k]));
  const out: NodeAction[] = [];
  for (const n of calicoNodes) {
    const kname = kubeNodeNameOf(n);
    const kube = kname === undefined ? undefined : byName.get(kname);
    if (kube === undefined) continue;
    const want = syncedLabels(n, kube);
    if (sameLabels(want.labels, n.metadata.labels ?? {}) && n.metadata.annotations?.[KUBE_LABELS_ANNOTATION] === want.kubeLabels) continue;
    out.push({ type: 'set-labels', name: n.metadata.name, labels: want.labels, kubeLabels: want.kubeLabels });
  }
  return out;
}

export interface NodeApplyDeps {
  readonly store: Datastore;
  /** A fresh read of the Kubernetes Node: undefined on NotFound; throws on any other failure. */
  readonly getKubeNode: (name: string) => Promise<KubeNodeInfo | undefined>;
  readonly logger: Logger;
}

/** Carries out node actions one by one; a failure is logged and left to the next pass. Returns the names changed. */
export async function applyNodeActions(actions: readonly NodeAction[], deps: NodeApplyDeps): Promise<string[]> {
  const done: string[] = [];
  for (const a of actions) {
    try {
      if (a.type === 'delete-node') {
        if ((await deps.getKubeNode(a.kubeNode)) !== undefined) continue; // came back (or the list was stale)
        await deps.store.delete('Node', a.name, undefined, a.resourceVersion !== undefined ? { resourceVersion: a.resourceVersion } : {});
        deps.logger.info('deleted Calico Node whose Kubernetes Node is gone', { node: a.name, kubeNode: a.kubeNode });
      } else {
        // Re-applied on the fresh copy: labels set on the Calico Node meanwhile survive.
        await updateWithRetry<CalicoNode>(deps.store, 'Node', a.name, undefined, (cur) => {
          const kube = { name: a.name, labels: JSON.parse(a.kubeLabels) as Record<string, string> };
          const want = syncedLabels(cur, kube);
          return { ...cur, metadata: { ...cur.metadata, labels: want.labels, annotations: { ...(cur.metadata.annotations ?? {}), [KUBE_LABELS_ANNOTATION]: want.kubeLabels } } };
        });
      }
      done.push(a.name);
    } catch (err) {
      if (isDatastoreError(err, DatastoreErrorCode.NotFound) || isDatastoreError(err, DatastoreErrorCode.Conflict)) continue;
      deps.logger.warn('node action failed; retried next pass', { node: a.name, action: a.type, error: describeError(err) });
    }
  }
  return done;
}
