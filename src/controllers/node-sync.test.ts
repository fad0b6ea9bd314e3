import type { CalicoNode } from '../api/kind-node';
import { MemoryDatastore } from '../datastore/memory/memory-datastore';
import { nullLogger } from '../lib/logger';
import { applyNodeActions, KUBE_LABELS_ANNOTATION, reconcileNodeDeletes, reconcileNodeLabels, type KubeNodeInfo } from './node-sync';

function calicoNode(name: string, opts: { kubeName?: string | null; labels?: Record<string, string>; kubeLabels?: string } = {}): CalicoNode {
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'Node',
    metadata: {
      name,
      ...(opts.labels ? { labels: opts.labels } : {}),
      ...(opts.kubeLabels !== undefined ? { annotations: { [KUBE_LABELS_ANNOTATION]: opts.kubeLabels } } : {}),
    },
    spec: opts.kubeName === null ? {} : { orchRefs: [{ orchestrator: 'k8s', nodeName: opts.kubeName ?? name }] },
  };
}

describe('node deleter (etcd mode)', () => {
  it('deletes Calico Nodes whose Kubernetes Node is gone, never one without a Kubernetes orchRef', () => {
    const actions = reconcileNodeDeletes([calicoNode('a'), calicoNode('b', { kubeName: 'k-b' }), calicoNode('bare', { kubeName: null })], [{ name: 'a', labels: {} }]);
    expect(actions.map((a) => a.name)).toEqual(['b']);
  });

  it('apply re-reads the Kubernetes Node and deletes only on NotFound', async () => {
    const store = new MemoryDatastore();
    await store.create(calicoNode('gone'));
    await store.create(calicoNode('back'));
    const actions = reconcileNodeDeletes((await store.list<CalicoNode>('Node')).items, []);
    const done = await applyNodeActions(actions, { store, logger: nullLogger, getKubeNode: async (n) => (n === 'back' ? { name: n, labels: {} } : undefined) });
    expect(done).toEqual(['gone']);
    expect((await store.list('Node')).items.map((n) => n.metadata.name)).toEqual(['back']);
  });
});

describe('label sync (etcd mode)', () => {
  const kube: KubeNodeInfo[] = [{ name: 'n1', labels: { zone: 'b', 'kubernetes.io/os': 'linux' } }];

  it('copies Kubernetes labels, removes those that came from Kubernetes and are gone there, keeps Calico-only ones', async () => {
    const store = new MemoryDatastore();
    await store.create(calicoNode('n1', { labels: { zone: 'a', rack: 'r7', old: 'x' }, kubeLabels: JSON.stringify({ zone: 'a', old: 'x' }) }));
    const actions = reconcileNodeLabels((await store.list<CalicoNode>('Node')).items, kube);
    expect(actions).toHaveLength(1);
    await applyNodeActions(actions, { store, logger: nullLogger, getKubeNode: async () => undefined });
    const n = await store.get<CalicoNode>('Node', 'n1');
    expect(n.metadata.labels).toEqual({ zone: 'b', rack: 'r7', 'kubernetes.io/os': 'linux' });
    expect(JSON.parse(n.metadata.annotations?.[KUBE_LABELS_ANNOTATION] ?? '')).toEqual({ zone: 'b', 'kubernetes.io/os': 'linux' });
    // In step: nothing more to do.
    expect(reconcileNodeLabels([n], kube)).toEqual([]);
  });

  it('an unreadable annotation is ignored (no label is removed because of it)', () => {
    const actions = reconcileNodeLabels([calicoNode('n1', { labels: { rack: 'r7' }, kubeLabels: '{not json' })], kube);
    expect(actions[0]).toMatchObject({ labels: { rack: 'r7', zone: 'b', 'kubernetes.io/os': 'linux' } });
  });
});
