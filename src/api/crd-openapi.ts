// OpenAPI v3 (structural schema) from the API's field shapes (schema.ts), and edits of a generated schema by path, for
// the chart's CRDs (crd-schema.ts, crd-admin-policy-schema.ts), and the CrdKind both describe them with. Pure.
import type { Shape } from './schema';

export type JsonSchema = Record<string, unknown>;

/** One CRD as the generator writes it (crd-schema.ts crdObject). */
export interface CrdKind {
  /** The v1 kind (IPAMConfig for IPAMConfiguration). */
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  readonly spec: JsonSchema;
  readonly status?: JsonSchema;
  /** Default crd.projectcalico.org, v1. */
  readonly group?: string;
  readonly version?: string;
  readonly shortNames?: readonly string[];
  /** The schema's description. Default: the Calico kind's. */
  readonly description?: string;
  /** Required top-level fields (metadata, spec). Default none. */
  readonly required?: readonly string[];
  /** Whether status is a subresource (a write of the object leaves it alone). */
  readonly statusSubresource?: boolean;
}

/** OpenAPI v3 for one field shape. */
export function shapeSchema(shape: Shape): JsonSchema {
  switch (shape.t) {
    case 'string':
      return { type: 'string' };
    case 'int':
      return { type: 'integer' };
    case 'number':
      return { type: 'number' };
    case 'bool':
      return { type: 'boolean' };
    case 'any':
      return { 'x-kubernetes-preserve-unknown-fields': true };
    case 'intOrString':
      return { anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true };
    case 'array':
      return { type: 'array', items: shapeSchema(shape.of) };
    case 'map':
      return { type: 'object', additionalProperties: shapeSchema(shape.of) };
    case 'object': {
      const out: JsonSchema = { type: 'object' };
      if (shape.fields.length > 0) out.properties = Object.fromEntries(shape.fields.map((fd) => [fd.name, shapeSchema(fd.shape)]));
      if (shape.open || shape.fields.length === 0) out['x-kubernetes-preserve-unknown-fields'] = true;
      return out;
    }
  }
}

/** schema with the node at path (ASN_FIELDS syntax) replaced by `to`. */
export function replaceAt(schema: JsonSchema, steps: readonly string[], to: JsonSchema): JsonSchema {
  const [step, ...rest] = steps;
  if (step === undefined) return to;
  const arrayStep = step.endsWith('[]');
  const name = arrayStep ? step.slice(0, -2) : step;
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const child = props[name];
  if (child === undefined) return schema;
  const replaced = arrayStep ? { ...child, items: replaceAt((child.items ?? {}) as JsonSchema, rest, to) } : replaceAt(child, rest, to);
  return { ...schema, properties: { ...props, [name]: replaced } };
}

/** The node at path (ASN_FIELDS syntax), or undefined when there is none. */
function nodeAt(schema: JsonSchema, steps: readonly string[]): JsonSchema | undefined {
  let node: JsonSchema | undefined = schema;
  for (const step of steps) {
    const arrayStep = step.endsWith('[]');
    node = ((node?.properties ?? {}) as Record<string, JsonSchema>)[arrayStep ? step.slice(0, -2) : step];
    if (arrayStep) node = node?.items as JsonSchema | undefined;
  }
  return node;
}

/**
 * schema with `extra` merged into the node at path (ASN_FIELDS syntax). A path that names no node throws: the paths
 * are written by hand, and a typo must not drop a CRD constraint silently (this runs when the CRDs are generated).
 */
export function mergeAt(schema: JsonSchema, at: string, extra: JsonSchema): JsonSchema {
  const steps = at.split('.');
  const node = nodeAt(schema, steps);
  if (node === undefined) throw new Error(`CRD schema: no node at ${at}`);
  return replaceAt(schema, steps, { ...node, ...extra });
}
