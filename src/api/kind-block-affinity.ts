// BlockAffinity: the claim of one host (or virtual owner) on one block, with Calico's claim states.

import { checkCidr, checkEnum, checkRequired } from './checks';
import type { Problems } from './errors';
import { clone, type KindInfo, type Resource } from './meta';
import { bool, f, obj, str } from './schema';

export type AffinityState = 'pending' | 'confirmed' | 'pendingDeletion';

export interface BlockAffinitySpec {
  state: AffinityState;
  node: string;
  type?: 'host' | 'virtual';
  cidr: string;
  /** A bool in v3; the crd.projectcalico.org/v1 form stores the string "true"/"false" (converted on read). */
  deleted?: boolean;
}

export type BlockAffinity = Resource<'BlockAffinity', BlockAffinitySpec>;

const specShape = obj([f('state', str, true), f('node', str, true), f('type', str), f('cidr', str, true), f('deleted', bool, true)]);

function validate(res: BlockAffinity, p: Problems): void {
  const s = res.spec;
  if (!s) {
    p.add('spec', 'is required');
    return;
  }
  checkRequired(p, 'spec.node', s.node);
  if (checkRequired(p, 'spec.cidr', s.cidr)) checkCidr(p, 'spec.cidr', s.cidr, true);
  if (checkRequired(p, 'spec.state', s.state)) checkEnum(p, 'spec.state', s.state, ['pending', 'confirmed', 'pendingDeletion']);
  checkEnum(p, 'spec.type', s.type, ['host', 'virtual']);
}

export const blockAffinityKind: KindInfo<BlockAffinity> = {
  kind: 'BlockAffinity',
  plural: 'blockaffinities',
  aliases: ['blockaffinity', 'affinity', 'affinities'],
  namespaced: false,
  specShape,
  defaults: (res) => {
    const out = clone(res);
    if (out.spec) out.spec.type ??= 'host';
    return out;
  },
  validate,
};
