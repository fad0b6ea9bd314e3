// A strict unknown-field walk over built-in Kubernetes objects, as the API server's strict field validation
// (`fieldValidation=Strict`, on by default in kubectl since 1.27) rejects them: every field of every nested object must
// be one the kind's schema names, with the JSON type it declares. The table of allowed fields per kind is the
// attribute-type map of @kubernetes/client-node's generated models (from the Kubernetes OpenAPI spec, ~1.34), minus the
// fields added after Kubernetes 1.26 that this chart must not use (NEWER_THAN_1_26).
import * as k8s from '@kubernetes/client-node';

interface Attr { readonly name: string; readonly baseName: string; readonly type: string }
type Model = { getAttributeTypeMap(): Attr[] };

/** Model class of each kind the chart emits (apiVersion/kind -> @kubernetes/client-node model name). */
export const KIND_MODELS: Readonly<Record<string, string>> = {
  'v1/ServiceAccount': 'V1ServiceAccount',
  'v1/ConfigMap': 'V1ConfigMap',
  'v1/Secret': 'V1Secret',
  'apps/v1/DaemonSet': 'V1DaemonSet',
  'apps/v1/Deployment': 'V1Deployment',
  'policy/v1/PodDisruptionBudget': 'V1PodDisruptionBudget',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'V1ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'V1ClusterRoleBinding',
  'apiextensions.k8s.io/v1/CustomResourceDefinition': 'V1CustomResourceDefinition',
};

/** Fields of the models that Kubernetes 1.26 does not know (or knows only behind an alpha gate). */
export const NEWER_THAN_1_26: Readonly<Record<string, readonly string[]>> = {
  V1Container: ['resizePolicy', 'restartPolicy', 'restartPolicyRules'],
  V1PodSpec: ['resourceClaims', 'schedulingGates', 'resources', 'hostnameOverride'],
  V1PodSecurityContext: ['appArmorProfile', 'supplementalGroupsPolicy', 'seLinuxChangePolicy'],
  V1SecurityContext: ['appArmorProfile'],
  V1VolumeMount: ['recursiveReadOnly'],
  V1Volume: ['image'],
  V1Lifecycle: ['stopSignal'],
  V1LifecycleHandler: ['sleep'],
  V1PodDisruptionBudgetSpec: ['unhealthyPodEvictionPolicy'],
  V1ValidationRule: ['optionalOldSelf', 'reason', 'fieldPath', 'messageExpression'],
  V1CustomResourceDefinitionVersion: ['selectableFields'],
};

function model(name: string): Model | undefined {
  const m = (k8s as unknown as Record<string, unknown>)[name] as Partial<Model> | undefined;
  return typeof m?.getAttributeTypeMap === 'function' ? (m as Model) : undefined;
}

function checkValue(type: string, value: unknown, path: string, errors: string[]): void {
  if (value === null || value === undefined) return;
  const item = /^Array<(.+)>$/.exec(type)?.[1];
  if (item !== undefined) {
    if (!Array.isArray(value)) errors.push(`${path}: expected a list`);
    else value.forEach((x, i) => checkValue(item, x, `${path}[${i}]`, errors));
    return;
  }
  const entry = /^\{ \[key: string\]: (.+); \}$/.exec(type)?.[1];
  if (entry !== undefined) {
    if (typeof value !== 'object' || Array.isArray(value)) errors.push(`${path}: expected a map`);
    else for (const [k, x] of Object.entries(value)) checkValue(entry, x, `${path}.${k}`, errors);
    return;
  }
  switch (type) {
    case 'string': case 'Date':
      if (typeof value !== 'string') errors.push(`${path}: expected a string, got ${JSON.stringify(value)}`);
      return;
    case 'number':
      if (typeof value !== 'number') errors.push(`${path}: expected a number, got ${JSON.stringify(value)}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') errors.push(`${path}: expected a boolean, got ${JSON.stringify(value)}`);
      return;
    case 'IntOrString':
      if (typeof value !== 'string' && typeof value !== 'number') errors.push(`${path}: expected an int or a string`);
      return;
    case 'any': case 'object':
      return;
  }
  const m = model(type);
  if (!m) {
    errors.push(`${path}: no model for type ${type}`);
    return;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    errors.push(`${path}: expected an object (${type})`);
    return;
  }
  // The schema of a CRD's openAPIV3Schema is open-ended JSON Schema; its nested schemas are checked by the CRD tests.
  if (type === 'V1JSONSchemaProps') return;
  const attrs = new Map(m.getAttributeTypeMap().map((a) => [a.baseName, a]));
  const newer = new Set(NEWER_THAN_1_26[type] ?? []);
  for (const [k, x] of Object.entries(value as Record<string, unknown>)) {
    const a = attrs.get(k);
    if (!a) errors.push(`${path}.${k}: unknown field (${type})`);
    else if (newer.has(k)) errors.push(`${path}.${k}: field newer than Kubernetes 1.26 (${type})`);
    else checkValue(a.type, x, `${path}.${k}`, errors);
  }
}

/** Every problem found in one object (empty when it passes); an unknown kind is itself a problem. */
export function strictFieldErrors(obj: { apiVersion?: unknown; kind?: unknown }): string[] {
  const key = `${String(obj.apiVersion)}/${String(obj.kind)}`;
  const name = KIND_MODELS[key];
  if (!name) return [`${key}: kind not in the table of allowed kinds`];
  const errors: string[] = [];
  checkValue(name, obj, key, errors);
  return errors;
}
