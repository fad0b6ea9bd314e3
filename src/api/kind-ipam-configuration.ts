// IPAMConfiguration: the cluster's IPAM policy (singleton "default"): strict affinity, per-host block limit,
// automatic block allocation. The crd.projectcalico.org/v1 kind for the same object is IPAMConfig.

import { checkEnum, checkIntRange } from './checks';
import type { Problems } from './errors';
import { clone, type KindInfo, type Resource } from './meta';
import { bool, f, int, obj, str } from './schema';

export interface IPAMConfigurationSpec {
  strictAffinity: boolean;
  /** 0 means "use the built-in limit" (DEFAULT_MAX_BLOCKS_PER_HOST). */
  maxBlocksPerHost?: number;
  autoAllocateBlocks: boolean;
  kubeVirtVMAddressPersistence?: 'Enabled' | 'Disabled';
  ipCooldownSeconds?: number;
}

export type IPAMConfiguration = Resource<'IPAMConfiguration', IPAMConfigurationSpec>;

/** libcalico-go ipam.go autoAssign: the limit when maxBlocksPerHost is 0. */
export const DEFAULT_MAX_BLOCKS_PER_HOST = 20;

const specShape = obj([
  f('strictAffinity', bool, true),
  f('maxBlocksPerHost', int),
  f('autoAllocateBlocks', bool, true),
  f('kubeVirtVMAddressPersistence', str),
  f('ipCooldownSeconds', int, true),
]);

function validate(res: IPAMConfiguration, p: Problems): void {
  if (res.metadata.name !== 'default') p.add('metadata.name', 'must be "default"');
  const s = res.spec;
  if (!s) return;
  checkIntRange(p, 'spec.maxBlocksPerHost', s.maxBlocksPerHost, 0, 2147483647);
  checkIntRange(p, 'spec.ipCooldownSeconds', s.ipCooldownSeconds, 0, 1200);
  checkEnum(p, 'spec.kubeVirtVMAddressPersistence', s.kubeVirtVMAddressPersistence, ['Enabled', 'Disabled']);
  // libcalico-go SetIPAMConfig: a host that may neither borrow nor claim new blocks could never allocate.
  if (s.strictAffinity === false && s.autoAllocateBlocks === false) {
    p.add('spec.autoAllocateBlocks', 'cannot be false while spec.strictAffinity is false');
  }
  if ((s.maxBlocksPerHost ?? 0) > 0 && s.strictAffinity !== true) {
    p.add('spec.maxBlocksPerHost', 'requires spec.strictAffinity to be true');
  }
}

export const ipamConfigurationKind: KindInfo<IPAMConfiguration> = {
  kind: 'IPAMConfiguration',
  plural: 'ipamconfigurations',
  aliases: ['ipamconfiguration', 'ipamconfig', 'ipamconfigs', 'ipamconfigurations'],
  namespaced: false,
  specShape,
  defaults: (res) => {
    const out = clone(res);
    const spec = (out.spec ??= { strictAffinity: false, autoAllocateBlocks: true });
    spec.strictAffinity ??= false;
    spec.autoAllocateBlocks ??= true;
    return out;
  },
  validate,
};
