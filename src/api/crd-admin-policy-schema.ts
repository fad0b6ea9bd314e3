// The policy.networking.k8s.io/v1alpha1 CRDs of AdminNetworkPolicy and BaselineAdminNetworkPolicy, generated from the
// kinds' field shapes (k8s/admin-network-policy.ts adminSpecShape) with the OpenAPI constraints of the
// network-policy-api v0.1.7 CRDs (config/crd/standard/policy.networking.k8s.io_{adminnetworkpolicies,
// baselineadminnetworkpolicies}.yaml): cluster scope, a status subresource, priority 0..1000, at most 100 rules a
// direction and 100 peers and ports a rule, exactly one field in a subject, peer or port, at most 25 networks,
// the actions' enums, the required fields (a label selector requirement's key and operator too) and the port
// protocol's default TCP (upstream has no enum on it: the decoder's TCP/UDP/SCTP check is stricter). Upstream's CEL rules (CIDR syntax,
// start < end, no named port with a networks/nodes peer, the BANP named `default`) are not reproduced as
// x-kubernetes-validations: k8s/admin-network-policy.ts validateAdminPolicy enforces them when Gingham writes, and
// the e2e API-server fixture evaluates no CEL. Pure: crd-schema.ts lists these CRDs with Calico's.
import { baselineAdminNetworkPolicyKind, adminNetworkPolicyKind } from './kind-admin-network-policy';
import { POLICY_API_VERSION } from './k8s/admin-types';
import { mergeAt, shapeSchema, type CrdKind, type JsonSchema } from './crd-openapi';

const [ADMIN_GROUP, ADMIN_VERSION] = POLICY_API_VERSION.split('/') as [string, string];

const ONE_FIELD: JsonSchema = { minProperties: 1, maxProperties: 1 };
const PORT: JsonSchema = { type: 'integer', format: 'int32', minimum: 1, maximum: 65535 };
const PROTOCOL: JsonSchema = { type: 'string', default: 'TCP' };
const NAMESPACED_POD: JsonSchema = { required: ['namespaceSelector', 'podSelector'] };

/** Constraints by path from spec ("[]" steps into array items), the CRD's beyond the field shapes. */
function specConstraints(baseline: boolean): Array<[string, JsonSchema]> {
  const actions = baseline ? ['Allow', 'Deny'] : ['Allow', 'Deny', 'Pass'];
  const rules = (dir: 'ingress' | 'egress', peers: 'from' | 'to'): Array<[string, JsonSchema]> => [
    [dir, { maxItems: 100 }],
    [`${dir}[]`, { required: ['action', peers] }],
    [`${dir}[].name`, { maxLength: 100 }],
    [`${dir}[].action`, { enum: actions }],
    [`${dir}[].${peers}`, { minItems: 1, maxItems: 100 }],
    [`${dir}[].${peers}[]`, ONE_FIELD],
    [`${dir}[].${peers}[].pods`, NAMESPACED_POD],
    [`${dir}[].ports`, { minItems: 1, maxItems: 100 }],
    [`${dir}[].ports[]`, ONE_FIELD],
    [`${dir}[].ports[].portNumber`, { required: ['port', 'protocol'] }],
    [`${dir}[].ports[].portNumber.port`, PORT],
    [`${dir}[].ports[].portNumber.protocol`, PROTOCOL],
    [`${dir}[].ports[].portRange`, { required: ['end', 'start'] }],
    [`${dir}[].ports[].portRange.start`, PORT],
    [`${dir}[].ports[].portRange.end`, PORT],
    [`${dir}[].ports[].portRange.protocol`, PROTOCOL],
  ];
  return [
    ...(baseline ? [] : [['priority', { format: 'int32', minimum: 0, maximum: 1000 }] as [string, JsonSchema]]),
    ['subject', ONE_FIELD],
    ['subject.pods', NAMESPACED_POD],
    ...rules('ingress', 'from'),
    ...rules('egress', 'to'),
    ['egress[].to[].networks', { minItems: 1, maxItems: 25 }],
    ['egress[].to[].networks[]', { maxLength: 43 }],
    ...(baseline ? [] : [['egress[].to[].domainNames', { minItems: 1, maxItems: 25 }] as [string, JsonSchema]]),
  ];
}

/** Every label selector's matchExpressions items require key and operator (metav1.LabelSelectorRequirement). */
function withSelectorRequirements(node: JsonSchema): JsonSchema {
  const props = node.properties as Record<string, JsonSchema> | undefined;
  const items = node.items as JsonSchema | undefined;
  const out: JsonSchema = { ...node };
  if (props) out.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, withSelectorRequirements(v)]));
  if (items) out.items = withSelectorRequirements(items);
  const exprs = props?.matchExpressions;
  if (exprs && props?.matchLabels) {
    out.properties = { ...(out.properties as Record<string, JsonSchema>), matchExpressions: { ...exprs, items: { ...(exprs.items as JsonSchema), required: ['key', 'operator'] } } };
  }
  return out;
}

function adminCrdKind(baseline: boolean): CrdKind {
  const k = baseline ? baselineAdminNetworkPolicyKind : adminNetworkPolicyKind;
  let spec: JsonSchema = { ...shapeSchema(k.specShape), required: baseline ? ['subject'] : ['priority', 'subject'] };
  for (const [at, extra] of specConstraints(baseline)) spec = mergeAt(spec, at, extra);
  spec = withSelectorRequirements(spec);
  return {
    kind: k.kind,
    plural: k.plural,
    namespaced: false,
    group: ADMIN_GROUP,
    version: ADMIN_VERSION,
    shortNames: [baseline ? 'banp' : 'anp'],
    description: `${k.kind}: the network-policy-api ${POLICY_API_VERSION} kind (Gingham converts it into a GlobalNetworkPolicy of the ${baseline ? 'kube-baseline' : 'kube-admin'} tier).`,
    required: ['metadata', 'spec'],
    spec,
    status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    statusSubresource: true,
  };
}

/** The AdminNetworkPolicy and BaselineAdminNetworkPolicy CRDs. */
export function adminPolicyCrdKinds(): CrdKind[] {
  return [adminCrdKind(false), adminCrdKind(true)];
}
