// IPAMHandle: what one allocation owner (a pod's container ID, a node's tunnel) holds, counted per block, so a
// release by handle knows which blocks to visit.

import { checkCidr, checkRequired } from './checks';
import type { Problems } from './errors';
import { clone, type KindInfo, type Resource } from './meta';
import { bool, f, int, map, obj, str } from './schema';

export interface IPAMHandleSpec {
  handleID: string;
  /** Block CIDR -> number of addresses this handle holds in it. */
  block: Record<string, number>;
  deleted?: boolean;
}

export type IPAMHandle = Resource<'IPAMHandle', IPAMHandleSpec>;

const specShape = obj([f('handleID', str, true), f('block', map(int), true), f('deleted', bool, true)]);

function validate(res: IPAMHandle, p: Problems): void {
  const s = res.spec;
  if (!s) {
    p.add('spec', 'is required');
    return;
  }
  checkRequired(p, 'spec.handleID', s.handleID);
  for (const [cidr, count] of Object.entries(s.block ?? {})) {
    checkCidr(p, `spec.block.${cidr}`, cidr, true);
    if (count < 0) p.add(`spec.block.${cidr}`, 'count must not be negative');
  }
}

export const ipamHandleKind: KindInfo<IPAMHandle> = {
  kind: 'IPAMHandle',
  plural: 'ipamhandles',
  aliases: ['ipamhandle'],
  namespaced: false,
  specShape,
  defaults: (res) => clone(res),
  validate,
};
