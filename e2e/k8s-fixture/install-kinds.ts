// TEST FIXTURE, not a product component. The built-in kinds an install applies beyond those server.ts always serves
// (the chart's ConfigMap, RBAC, DaemonSet, Deployment, PodDisruptionBudget), served when a test asks
// for them (startKubeFixture installKinds), with the real server's strict decoding: with fieldValidation=Strict (what
// kubectl sends) an unknown field is a 400 "strict decoding error", and a field of the wrong type is refused as the
// JSON decoder refuses it. The field table is src/chart/strict-fields.ts (the Kubernetes 1.26 fields of each kind).
import { strictFieldErrors } from '../../src/chart/strict-fields';
import type { ResourceType } from './object-store';
import { ApiError, badRequest, status } from './status';

export const INSTALL_RESOURCES: readonly ResourceType[] = [
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles', kind: 'ClusterRole', namespaced: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false },
  { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet', namespaced: true },
  { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
  { group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', namespaced: true },
];

const STRICT_KEYS = new Set(INSTALL_RESOURCES.map((t) => `${t.group}/${t.plural}`));

/** Throws what the server answers for a body its decoder refuses. */
export function admitInstallObject(t: ResourceType, body: unknown, strict: boolean): void {
  if (!STRICT_KEYS.has(`${t.group}/${t.plural}`) || body === null || typeof body !== 'object') return;
  const errors = strictFieldErrors(body as Record<string, unknown>);
  const unknown = errors.filter((e) => e.includes('unknown field') || e.includes('newer than'));
  const typed = errors.filter((e) => !unknown.includes(e));
  if (typed.length > 0) throw new ApiError(status('BadRequest', `${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: ${typed.join('; ')}`));
  if (strict && unknown.length > 0) throw badRequest(`strict decoding error: ${unknown.join(', ')}`);
}
