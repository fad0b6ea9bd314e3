// The kind registry and the operations every resource goes through: decode (strict shape check with calicoctl's
// scalar coercion), defaults, validation (metadata + the kind's own rules). Callers (datastore, CLI, node) use
// these and never a kind file's functions directly, so metadata rules are applied the same way everywhere.

import { didYouMean } from '../lib/suggest';
import { checkLabels, checkName } from './checks';
import { Problems, ValidationError } from './errors';
import { adminNetworkPolicyKind, baselineAdminNetworkPolicyKind } from './kind-admin-network-policy';
import { blockAffinityKind } from './kind-block-affinity';
import { bgpConfigurationKind } from './kind-bgp-configuration';
import { bgpFilterKind } from './kind-bgp-filter';
import { bgpPeerKind } from './kind-bgp-peer';
import { calicoNodeStatusKind } from './kind-calico-node-status';
import { clusterInformationKind } from './kind-cluster-information';
import { felixConfigurationKind } from './kind-felix-configuration';
import { globalNetworkPolicyKind } from './kind-global-network-policy';
import { globalNetworkSetKind, networkSetKind } from './kind-network-set';
import { ipamBlockKind } from './kind-ipam-block';
import { ipamConfigurationKind } from './kind-ipam-configuration';
import { ipamHandleKind } from './kind-ipam-handle';
import { ipPoolKind } from './kind-ippool';
import { kubeControllersConfigurationKind } from './kind-kube-controllers-configuration';
import { networkPolicyKind } from './kind-network-policy';
import { nodeKind } from './kind-node';
import { profileKind } from './kind-profile';
import { stagedGlobalNetworkPolicyKind, stagedKubernetesNetworkPolicyKind, stagedNetworkPolicyKind } from './kind-staged-policies';
import { tierKind } from './kind-tier';
import { workloadEndpointKind } from './kind-workload-endpoint';
import { API_VERSION, clone, objectMetaShape, type KindInfo, type ObjectMeta, type Resource } from './meta';
import { any, decodeShape, f, obj, str, type Shape } from './schema';

export { API_VERSION, CRD_API_VERSION, type KindInfo, type ObjectMeta, type Resource } from './meta';

/** Every kind Gingham stores, in the order calicoctl lists resource types. */
export const KINDS: readonly KindInfo[] = [
  adminNetworkPolicyKind,
  baselineAdminNetworkPolicyKind,
  bgpConfigurationKind,
  bgpFilterKind,
  bgpPeerKind,
  blockAffinityKind,
  calicoNodeStatusKind,
  clusterInformationKind,
  felixConfigurationKind,
  globalNetworkPolicyKind,
  globalNetworkSetKind,
  ipamBlockKind,
  ipamConfigurationKind,
  ipamHandleKind,
  ipPoolKind,
  kubeControllersConfigurationKind,
  networkPolicyKind,
  networkSetKind,
  nodeKind,
  profileKind,
  stagedGlobalNetworkPolicyKind,
  stagedKubernetesNetworkPolicyKind,
  stagedNetworkPolicyKind,
  tierKind,
  workloadEndpointKind,
] as readonly KindInfo[];

const byKind = new Map(KINDS.map((k) => [k.kind, k]));
const byAlias = new Map<string, KindInfo>();
for (const k of KINDS) {
  for (const name of [k.kind, k.plural, ...k.aliases]) byAlias.set(name.toLowerCase(), k);
}

/** The apiVersion a kind's manifests carry: projectcalico.org/v3 but for the Kubernetes admin policy kinds. */
export function apiVersionOf(info: Pick<KindInfo, 'apiVersion'>): string {
  return info.apiVersion ?? API_VERSION;
}

/** The kind exactly as written in a manifest ("IPPool"); manifests are case-sensitive, as in calicoctl. */
export function kindInfo(kind: string): KindInfo | undefined {
  return byKind.get(kind);
}

/** A kind named on the command line: kind, plural or alias, any case ("ippool", "IPPools", "ipp", "bgpPeer"). */
export function resolveKind(name: string): KindInfo | undefined {
  return byAlias.get(name.toLowerCase());
}

/** " (did you mean ippool?)" for a resource type the command line does not know, or "". */
export function suggestKind(name: string): string {
  return didYouMean(name.toLowerCase(), byAlias.keys());
}

/** The whole-resource shape of a kind (TypeMeta, ObjectMeta, spec, status) in Go print order. */
export function resourceShape(info: KindInfo): Shape {
  return obj([
    f('kind', str),
    f('apiVersion', str),
    f('metadata', objectMetaShape),
    f('spec', info.specShape, true),
    f('status', info.statusShape ?? any),
  ]);
}

/** "IPPool(default-ipv4-ippool)" or "NetworkPolicy(ns/name)", the form calicoctl uses in messages. */
export function resourceId(res: Pick<Resource, 'kind' | 'metadata'>): string {
  const ns = res.metadata.namespace;
  return `${res.kind}(${ns ? `${ns}/` : ''}${res.metadata.name})`;
}

/**
 * Checks a decoded manifest object against its kind's shape and returns it typed. Unknown kinds and fields, and
 * values of the wrong type, throw a ValidationError naming every problem.
 */
export function decodeResource(raw: unknown): Resource {
  const p = new Problems();
  const obj0 = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  const kind = typeof obj0.kind === 'string' ? obj0.kind : '';
  const meta = (typeof obj0.metadata === 'object' && obj0.metadata !== null ? obj0.metadata : {}) as Record<string, unknown>;
  const name = typeof meta.name === 'string' ? meta.name : '';
  const info = kindInfo(kind);
  if (!info) {
    p.add('kind', kind ? `unknown kind "${kind}"${didYouMean(kind, KINDS.map((k) => k.kind))}` : 'is required');
    throw new ValidationError(kind || '<no kind>', name, p.list);
  }
  const decoded = decodeShape(raw, resourceShape(info), '', p) as Resource | undefined;
  if (obj0.apiVersion !== apiVersionOf(info)) p.add('apiVersion', `must be ${apiVersionOf(info)}`);
  p.throwIfAny(kind, name);
  const res = decoded as Resource;
  res.metadata ??= { name: '' };
  return res;
}

function validateMetadata(info: KindInfo, meta: ObjectMeta, p: Problems): void {
  if (!meta.name) p.add('metadata.name', 'is required');
  else checkName(p, 'metadata.name', meta.name);
  if (info.namespaced) {
    if (meta.namespace && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(meta.namespace)) {
      p.add('metadata.namespace', `"${meta.namespace}" is not a valid namespace name`);
    }
  } else if (meta.namespace) {
    p.add('metadata.namespace', `must not be set: ${info.kind} is not namespaced`);
  }
  checkLabels(p, 'metadata.labels', meta.labels);
}

/** Validates metadata, shape and the kind's rules; throws one ValidationError listing every problem. */
export function validateResource(res: Resource): void {
  const info = kindInfo(res.kind);
  const p = new Problems();
  if (!info) {
    p.add('kind', `unknown kind "${res.kind}"${didYouMean(res.kind, KINDS.map((k) => k.kind))}`);
    p.throwIfAny(res.kind, res.metadata?.name ?? '');
    return;
  }
  decodeShape(res, resourceShape(info), '', p);
  if (res.apiVersion !== apiVersionOf(info)) p.add('apiVersion', `must be ${apiVersionOf(info)}`);
  validateMetadata(info, res.metadata ?? { name: '' }, p);
  if (p.empty) info.validate(res, p);
  p.throwIfAny(res.kind, res.metadata?.name ?? '');
}

/** A copy with Calico's stored defaults applied (and the namespace "default" for a namespaced kind without one). */
export function applyDefaults<R extends Resource>(res: R): R {
  const info = kindInfo(res.kind);
  if (!info) return clone(res);
  const out = info.defaults(res) as R;
  if (info.namespaced && !out.metadata.namespace) out.metadata.namespace = 'default';
  return out;
}

/** Builds a resource of a known kind. */
export function newResource<R extends Resource>(kind: R['kind'], metadata: ObjectMeta, spec?: R['spec']): R {
  const info = kindInfo(kind);
  const res = { apiVersion: info ? apiVersionOf(info) : API_VERSION, kind, metadata: clone(metadata) } as R;
  if (spec !== undefined) res.spec = clone(spec);
  return res;
}
