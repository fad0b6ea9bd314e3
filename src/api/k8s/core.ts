// v1 Namespace, Pod and ServiceAccount: decoding and the defaults the API server and its admission plugins apply
// (the NamespaceDefaultLabelName label kubernetes.io/metadata.name, pkg/apis/core/v1/defaults.go SetDefaults_Namespace;
// the ServiceAccount admission plugin's serviceAccountName "default"; container port protocol TCP).

import { Problems } from '../errors';
import { clone, objectMetaShape } from '../meta';
import { any, arr, decodeShape, f, int, obj, str } from '../schema';
import { CORE_API_VERSION, type K8sNamespace, type K8sPod, type K8sServiceAccount } from './types';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

const containerShape = obj(
  [f('name', str), f('image', str), f('ports', arr(obj([f('name', str), f('containerPort', int), f('protocol', str), f('hostPort', int), f('hostIP', str)])))],
  true,
);
const podShape = obj([
  f('apiVersion', str),
  f('kind', str),
  f('metadata', objectMetaShape),
  f('spec', obj([f('nodeName', str), f('hostNetwork', any), f('serviceAccountName', str), f('containers', arr(containerShape)), f('initContainers', arr(containerShape))], true)),
  f('status', obj([f('phase', str), f('podIP', str), f('podIPs', arr(obj([f('ip', str)])))], true)),
]);
const metaOnlyShape = obj([f('apiVersion', str), f('kind', str), f('metadata', objectMetaShape), f('spec', any), f('status', any), f('secrets', any)]);

function decodeCore<T extends { metadata: { name: string } }>(raw: unknown, kind: string, shape: Parameters<typeof decodeShape>[1]): T {
  const p = new Problems();
  const out = (decodeShape(raw, shape, '', p) ?? {}) as T & { apiVersion?: string; kind?: string };
  if (out.apiVersion !== CORE_API_VERSION) p.add('apiVersion', `must be ${CORE_API_VERSION}`);
  if (out.kind !== kind) p.add('kind', `must be ${kind}`);
  out.metadata ??= { name: '' };
  if (!out.metadata.name) p.add('metadata.name', 'is required');
  p.throwIfAny(kind, out.metadata.name);
  return out;
}

export function decodeNamespace(raw: unknown): K8sNamespace {
  return defaultNamespace(decodeCore<K8sNamespace>(raw, 'Namespace', metaOnlyShape));
}

export function decodeServiceAccount(raw: unknown): K8sServiceAccount {
  return decodeCore<K8sServiceAccount>(raw, 'ServiceAccount', metaOnlyShape);
}

/** Decodes a Pod; fields policy does not read are kept as written (the shape is open). */
export function decodePod(raw: unknown): K8sPod {
  const pod = decodeCore<K8sPod>(raw, 'Pod', podShape);
  const p = new Problems();
  if (!pod.spec?.containers?.length) p.add('spec.containers', 'is required');
  pod.spec?.containers?.forEach((c, i) =>
    c.ports?.forEach((port, j) => {
      const at = `spec.containers[${i}].ports[${j}]`;
      if (!Number.isInteger(port.containerPort) || port.containerPort < 1 || port.containerPort > 65535) p.add(`${at}.containerPort`, 'must be between 1 and 65535');
      if (port.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(port.protocol)) p.add(`${at}.protocol`, 'must be TCP, UDP or SCTP');
    }),
  );
  p.throwIfAny('Pod', pod.metadata.name);
  return defaultPod(pod);
}

/** The API server labels every namespace with its own name (kubernetes.io/metadata.name, immutable). */
export function defaultNamespace(ns: K8sNamespace): K8sNamespace {
  const out = clone(ns);
  out.metadata.labels = { ...(out.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: out.metadata.name };
  return out;
}

/** serviceAccountName "default" (ServiceAccount admission) and TCP for container ports without a protocol. */
export function defaultPod(pod: K8sPod): K8sPod {
  const out = clone(pod);
  out.metadata.namespace ||= 'default';
  out.spec.serviceAccountName ||= 'default';
  for (const c of [...out.spec.containers, ...(out.spec.initContainers ?? [])]) c.ports?.forEach((port) => (port.protocol ??= 'TCP'));
  return out;
}
