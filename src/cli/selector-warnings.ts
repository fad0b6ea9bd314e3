// Warnings after a write: a BGPPeer or IPPool whose node selector matches no Node is accepted (a node may join later)
// but does nothing today, which is easy to miss — a misspelt label leaves a peering unconfigured without a word. The
// check is against the Nodes stored now; with no Node at all (a cluster being set up) there is nothing to say.
import { compileSelector } from '../api/selector';
import type { Resource } from '../api/resource';

function matchesNone(selector: string, nodes: readonly Resource[]): boolean {
  try {
    const s = compileSelector(selector);
    return !nodes.some((n) => s.matches(n.metadata.labels ?? {}));
  } catch {
    return false; // validation already refused a bad selector
  }
}

/** One line per selector (or node name) of the written resources that selects no Node. */
export function selectorWarnings(written: readonly Resource[], nodes: readonly Resource[]): string[] {
  if (nodes.length === 0) return [];
  const out: string[] = [];
  for (const r of written) {
    const spec = (r.spec ?? {}) as { node?: string; nodeSelector?: string; peerSelector?: string };
    const id = `${r.kind} ${r.metadata.name}`;
    if (r.kind === 'BGPPeer') {
      if (spec.node && !nodes.some((n) => n.metadata.name === spec.node)) out.push(`${id}: node "${spec.node}" does not exist: no node will start this peering`);
      if (spec.nodeSelector && matchesNone(spec.nodeSelector, nodes)) out.push(`${id}: nodeSelector "${spec.nodeSelector}" matches no node: no node will start this peering`);
      if (spec.peerSelector && matchesNone(spec.peerSelector, nodes)) out.push(`${id}: peerSelector "${spec.peerSelector}" matches no node: the selected nodes get no peer from it`);
    } else if (r.kind === 'IPPool') {
      if (spec.nodeSelector && matchesNone(spec.nodeSelector, nodes)) out.push(`${id}: nodeSelector "${spec.nodeSelector}" matches no node: no node will allocate from this pool`);
    }
  }
  return out;
}
