// NetworkSet (namespaced) and GlobalNetworkSet (cluster-wide): labelled lists of CIDRs that policy selectors match
// like endpoints (api/pkg/apis/projectcalico/v3/networkset.go, globalnetworkset.go). A rule selecting them matches
// traffic to or from any address in `nets`.

import { checkIpOrCidr } from './checks';
import type { Problems } from './errors';
import { clone, type KindInfo, type Resource } from './meta';
import { arr, f, obj, str } from './schema';

export interface NetworkSetSpec {
  nets?: string[];
}

export type NetworkSet = Resource<'NetworkSet', NetworkSetSpec>;
export type GlobalNetworkSet = Resource<'GlobalNetworkSet', NetworkSetSpec>;

const specShape = obj([f('nets', arr(str))]);

function validate(res: NetworkSet | GlobalNetworkSet, p: Problems): void {
  res.spec?.nets?.forEach((n, i) => checkIpOrCidr(p, `spec.nets[${i}]`, n));
}

export const networkSetKind: KindInfo<NetworkSet> = {
  kind: 'NetworkSet',
  plural: 'networksets',
  aliases: ['networkset', 'netset', 'netsets'],
  namespaced: true,
  specShape,
  defaults: (res) => clone(res),
  validate,
};

export const globalNetworkSetKind: KindInfo<GlobalNetworkSet> = {
  kind: 'GlobalNetworkSet',
  plural: 'globalnetworksets',
  aliases: ['globalnetworkset', 'gnetset', 'gnetsets'],
  namespaced: false,
  specShape,
  defaults: (res) => clone(res),
  validate,
};
