// The common resource shape of projectcalico.org/v3 and the contract every kind file fulfils (KindInfo). Kind
// files import this; the registry in resource.ts imports the kind files, so nothing here may import a kind.

import type { Problems } from './errors';
import { any, arr, f, int, map, obj, str, type Shape } from './schema';

export const API_VERSION = 'projectcalico.org/v3';
/** The CRD group Calico stores v3 objects in under the Kubernetes datastore; same kinds, same spec shape. */
export const CRD_API_VERSION = 'crd.projectcalico.org/v1';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  uid?: string;
  creationTimestamp?: string;
  generation?: number;
  generateName?: string;
  deletionTimestamp?: string;
  ownerReferences?: unknown[];
  finalizers?: string[];
}

export interface Resource<K extends string = string, S = unknown, St = unknown> {
  apiVersion: typeof API_VERSION;
  kind: K;
  metadata: ObjectMeta;
  spec?: S;
  status?: St;
}

/** Kubernetes ObjectMeta fields in Go struct order (the JSON print order). */
export const objectMetaShape: Shape = obj([
  f('name', str),
  f('generateName', str),
  f('namespace', str),
  f('selfLink', str),
  f('uid', str),
  f('resourceVersion', str),
  f('generation', int),
  f('creationTimestamp', str),
  f('deletionTimestamp', str),
  f('deletionGracePeriodSeconds', int),
  f('labels', map(str)),
  f('annotations', map(str)),
  f('ownerReferences', arr(any)),
  f('finalizers', arr(str)),
  f('managedFields', arr(any)),
]);

export interface KindInfo<R extends Resource = Resource> {
  /** The Kind as written in manifests ("IPPool"). */
  readonly kind: string;
  /** Lower-case plural calicoctl prints and accepts ("ippools"). */
  readonly plural: string;
  /** The kind's apiVersion when it is not projectcalico.org/v3 (the Kubernetes admin policy kinds). */
  readonly apiVersion?: string;
  /** Further names `gingham get <name>` accepts; matching is case-insensitive, as in calicoctl. */
  readonly aliases: readonly string[];
  readonly namespaced: boolean;
  readonly specShape: Shape;
  readonly statusShape?: Shape;
  /** Calico writes and owns these; `apply` by a user is refused (ClusterInformation). */
  readonly readOnly?: boolean;
  /** Returns a copy with Calico's defaults filled in (what the datastore stores on create). */
  defaults(res: R): R;
  /** Semantic checks beyond the shape; adds field problems with paths from the resource root. */
  validate(res: R, problems: Problems): void;
}

/** Structural clone for plain JSON-like data (resources never hold functions, dates or cycles). */
export function clone<T>(v: T): T {
  return structuredClone(v);
}
