// ClusterInformation: cluster identity and readiness, written by the node agent at start-up ("default" only).
// Users may read it; calicoctl refuses to apply it, and so does Gingham (readOnly).

import type { Problems } from './errors';
import { clone, type KindInfo, type Resource } from './meta';
import { bool, f, obj, str } from './schema';

export interface ClusterInformationSpec {
  clusterGUID?: string;
  clusterType?: string;
  calicoVersion?: string;
  datastoreReady?: boolean;
  variant?: string;
}

export type ClusterInformation = Resource<'ClusterInformation', ClusterInformationSpec>;

const specShape = obj([f('clusterGUID', str), f('clusterType', str), f('calicoVersion', str), f('datastoreReady', bool, true), f('variant', str)]);

function validate(res: ClusterInformation, p: Problems): void {
  if (res.metadata.name !== 'default') p.add('metadata.name', 'must be "default"');
  const guid = res.spec?.clusterGUID;
  if (guid !== undefined && !/^[0-9a-f]{32}$/.test(guid)) p.add('spec.clusterGUID', 'must be 32 lower-case hex digits');
}

export const clusterInformationKind: KindInfo<ClusterInformation> = {
  kind: 'ClusterInformation',
  plural: 'clusterinformations',
  aliases: ['clusterinformation', 'clusterinfo', 'clusterinfos'],
  namespaced: false,
  readOnly: true,
  specShape,
  defaults: (res) => clone(res),
  validate,
};
