// Update rules: which fields may not change once a resource exists. A pool's CIDR and block size are baked into
// every block already carved from it (changing them would orphan allocations), so Calico refuses such updates and
// so do we. Identity (kind, name, namespace, uid) never changes in an update either.

import { Problems } from './errors';
import type { Resource } from './meta';

/** Dotted spec paths (from the resource root) that are fixed at creation, per kind. */
export const IMMUTABLE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  IPPool: ['spec.cidr', 'spec.blockSize'],
  IPAMBlock: ['spec.cidr'],
  BlockAffinity: ['spec.cidr', 'spec.node', 'spec.type'],
  IPAMHandle: ['spec.handleID'],
  WorkloadEndpoint: ['spec.node', 'spec.orchestrator', 'spec.workload', 'spec.endpoint'],
  CalicoNodeStatus: ['spec.node'],
};

function get(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function show(v: unknown): string {
  return v === undefined ? '<unset>' : JSON.stringify(v);
}

/**
 * Throws a ValidationError (same format as validation) when `newRes` changes what may not change relative to
 * `oldRes`. Both should have had defaults applied, so that "unset" and "the default" compare equal.
 */
export function checkUpdate(oldRes: Resource, newRes: Resource): void {
  const p = new Problems();
  if (oldRes.kind !== newRes.kind) p.add('kind', `cannot change from ${oldRes.kind}`);
  if (oldRes.metadata.name !== newRes.metadata.name) p.add('metadata.name', `cannot change from ${show(oldRes.metadata.name)}`);
  if ((oldRes.metadata.namespace ?? '') !== (newRes.metadata.namespace ?? '')) {
    p.add('metadata.namespace', `cannot change from ${show(oldRes.metadata.namespace)}`);
  }
  if (oldRes.metadata.uid && newRes.metadata.uid && oldRes.metadata.uid !== newRes.metadata.uid) {
    p.add('metadata.uid', `cannot change from ${show(oldRes.metadata.uid)}`);
  }
  for (const path of IMMUTABLE_FIELDS[newRes.kind] ?? []) {
    const before = get(oldRes, path);
    const after = get(newRes, path);
    if (JSON.stringify(before) !== JSON.stringify(after)) p.add(path, `is immutable (was ${show(before)}, now ${show(after)})`);
  }
  p.throwIfAny(newRes.kind, newRes.metadata.name);
}
