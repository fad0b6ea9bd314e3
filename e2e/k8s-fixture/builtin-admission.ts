// TEST FIXTURE, not a product component. What kube-apiserver does to the built-in objects policy reads before it
// stores them, for the fixture server (server.ts):
//   - networking.k8s.io/v1 NetworkPolicy: decoding (unknown fields refused with fieldValidation=Strict, as kubectl
//     sends it, else dropped as with the server's default "Warn"), validation (ValidateNetworkPolicy: 422 Invalid with
//     the field paths) and defaulting (SetDefaults_NetworkPolicy: policyTypes [Ingress], plus Egress when egress
//     rules exist; port protocol TCP). The rules are src/api/k8s's transcription of the server's, so that the lab,
//     which plays the API server itself, and this fixture agree.
//   - v1 ServiceAccount and Namespace: strict decoding of their top-level fields; a Namespace's label
//     kubernetes.io/metadata.name holding its name, set on every write (SetDefaults_Namespace).
//   - the ServiceAccount admission plugin on pods: serviceAccountName defaults to "default", and a pod naming a
//     service account that does not exist is refused.
// Must not: be imported by product code under src/.
import { defaultK8sNetworkPolicy, decodeK8sNetworkPolicy } from '../../src/api/k8s';
import { ValidationError, type FieldProblem } from '../../src/api/errors';
import type { KubeObject } from './object-store';
import { ApiError, badRequest, status } from './status';

const UNKNOWN_FIELD = /^unknown field/;

/** "spec.ingress[0].fromm" → ["spec", "ingress", 0, "fromm"]. */
function pathSteps(path: string): Array<string | number> {
  const steps: Array<string | number> = [];
  for (const part of path.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return [];
    if (m[1]) steps.push(m[1]);
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) steps.push(Number(idx[1]));
  }
  return steps;
}

function deleteAt(o: unknown, path: string): void {
  const steps = pathSteps(path);
  let cur: unknown = o;
  for (const s of steps.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return;
    cur = (cur as Record<string | number, unknown>)[s];
  }
  const last = steps[steps.length - 1];
  if (last !== undefined && cur !== null && typeof cur === 'object') delete (cur as Record<string | number, unknown>)[last];
}

function problemsOf(fn: () => unknown): readonly FieldProblem[] {
  try {
    fn();
    return [];
  } catch (err) {
    if (err instanceof ValidationError) return err.problems;
    throw err;
  }
}

/**
 * Unknown fields: with fieldValidation=Strict a 400 naming them ("strict decoding error: unknown field ..."), else
 * they are dropped from `raw` (in place). Returns the remaining problems.
 */
function dropOrRefuseUnknown(raw: KubeObject, strict: boolean, decode: (o: unknown) => unknown): readonly FieldProblem[] {
  const problems = problemsOf(() => decode(raw));
  const unknown = problems.filter((p) => UNKNOWN_FIELD.test(p.rule));
  if (unknown.length === 0) return problems;
  if (strict) throw badRequest(`strict decoding error: ${unknown.map((p) => `unknown field "${p.path}"`).join(', ')}`);
  for (const p of unknown) deleteAt(raw, p.path);
  return problemsOf(() => decode(raw));
}

function invalidBuiltin(kind: string, group: string, plural: string, name: string, problems: readonly FieldProblem[]): ApiError {
  const list = problems.map((p) => `${p.path}: ${p.rule}`);
  const why = list.length === 1 ? (list[0] ?? '') : `[${list.join(', ')}]`;
  const qualified = group === '' ? kind : `${kind}.${group}`;
  return new ApiError(status('Invalid', `${qualified} "${name}" is invalid: ${why}`, { name, group, kind: plural }));
}

/** A NetworkPolicy as the server stores it: decoded, validated and defaulted; throws the server's errors. */
export function admitNetworkPolicy(body: unknown, name: string, strict: boolean): KubeObject {
  const raw = objectBody(body);
  raw.apiVersion ??= 'networking.k8s.io/v1';
  raw.kind ??= 'NetworkPolicy';
  const problems = dropOrRefuseUnknown(raw, strict, decodeK8sNetworkPolicy);
  if (problems.length > 0) throw invalidBuiltin('NetworkPolicy', 'networking.k8s.io', 'networkpolicies', name, problems);
  const defaulted = defaultK8sNetworkPolicy(decodeK8sNetworkPolicy(raw));
  return { ...raw, spec: defaulted.spec };
}

/** Top-level fields outside `allowed`: refused with fieldValidation=Strict, else dropped. */
function checkTopLevel(raw: KubeObject, allowed: ReadonlySet<string>, strict: boolean): void {
  const unknown = Object.keys(raw).filter((k) => !allowed.has(k));
  if (unknown.length > 0 && strict) throw badRequest(`strict decoding error: ${unknown.map((k) => `unknown field "${k}"`).join(', ')}`);
  for (const k of unknown) delete raw[k];
}

function objectBody(body: unknown): KubeObject {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the request body must be a JSON object');
  return structuredClone(body) as KubeObject;
}

const NS_FIELDS: ReadonlySet<string> = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);

/** A Namespace: its top-level fields decoded strictly, and its kubernetes.io/metadata.name label set, whatever was sent. */
export function admitNamespace(body: unknown, strict = false): KubeObject {
  const raw = objectBody(body);
  checkTopLevel(raw, NS_FIELDS, strict);
  raw.metadata ??= {};
  if (raw.metadata.name) raw.metadata.labels = { ...(raw.metadata.labels ?? {}), 'kubernetes.io/metadata.name': raw.metadata.name };
  return raw;
}

const SA_FIELDS: ReadonlySet<string> = new Set(['apiVersion', 'kind', 'metadata', 'secrets', 'imagePullSecrets', 'automountServiceAccountToken']);

/** A ServiceAccount: its top-level fields decoded strictly (metadata is the store's to check). */
export function admitServiceAccount(body: unknown, strict: boolean): KubeObject {
  const raw = objectBody(body);
  checkTopLevel(raw, SA_FIELDS, strict);
  return raw;
}

/**
 * The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount): the pod's service account defaults to
 * "default" and must exist in the pod's namespace.
 */
export function admitPodServiceAccount(body: unknown, namespace: string, exists: (sa: string) => boolean): void {
  const pod = body as { metadata?: { name?: string }; spec?: { serviceAccountName?: string; serviceAccount?: string } };
  if (pod?.spec === undefined || pod.spec === null || typeof pod.spec !== 'object') return;
  const sa = pod.spec.serviceAccountName || pod.spec.serviceAccount || 'default';
  pod.spec.serviceAccountName = sa;
  pod.spec.serviceAccount = sa;
  if (!exists(sa)) {
    const name = pod.metadata?.name ?? '';
    throw new ApiError(
      status('Forbidden', `pods "${name}" is forbidden: error looking up service account ${namespace}/${sa}: serviceaccount "${sa}" not found`, { name, group: '', kind: 'pods' }),
    );
  }
}
