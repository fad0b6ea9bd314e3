// TEST FIXTURE, not a product component. What kube-apiserver does with a custom resource's body against its CRD's
// structural schema (k8s.io/apiextensions-apiserver pkg/apiserver/schema: pruning, then validation):
//   - unknown fields (not in `properties`, no `additionalProperties`, no x-kubernetes-preserve-unknown-fields) are
//     pruned; with fieldValidation=Strict they are an error instead ("strict decoding error: unknown field ...");
//   - a missing field whose schema has a `default` gets it (structural defaulting, before validation);
//   - type (integer vs number vs string...), format int64 (an integer beyond int64 does not decode) and date-time, enum, required, nullable,
//     x-kubernetes-int-or-string, minimum/maximum, minItems/maxItems, minProperties/maxProperties and maxLength,
//     checked with the server's messages ("spec.x in body must be of type integer", "Too many: 101: must have at most
//     100 items").
// Owns: that walk over plain JSON. The subset of OpenAPI v3 the Calico, Gingham and admin policy CRDs use; no CEL rules.

import { int64LiteralDigits } from '../../src/datastore/kubernetes/int64-json';

export type Schema = Record<string, unknown>;

export interface SchemaResult {
  /** The body with unknown fields pruned. */
  readonly pruned: unknown;
  /** "spec.foo" per unknown field (before pruning). */
  readonly unknownFields: string[];
  /** Field errors in the server's wording ("spec.x: Invalid value: ..."). */
  readonly errors: string[];
}

const INT64_MAX = 9223372036854775807n;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  // An integer beyond a double's exact range, kept exactly as the request wrote it (server.ts readBody).
  if (int64LiteralDigits(v) !== undefined) return 'integer';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function shown(v: unknown): string {
  const t = typeOf(v);
  return t === 'object' || t === 'array' ? `"${t}"` : JSON.stringify(v);
}

function typeMatches(want: string, v: unknown): boolean {
  const t = typeOf(v);
  return t === want || (want === 'number' && t === 'integer');
}

/** The schema's numeric, length, item-count and property-count bounds, in the server's wording. */
function checkBounds(schema: Schema, v: unknown, p: string, errors: string[]): void {
  const n = (k: string): number | undefined => (typeof schema[k] === 'number' ? (schema[k] as number) : undefined);
  const [min, max, minItems, maxItems, minProps, maxProps, maxLength] = ['minimum', 'maximum', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'maxLength'].map(n);
  if (typeof v === 'number') {
    if (max !== undefined && v > max) errors.push(`${p}: Invalid value: ${v}: ${p} in body should be less than or equal to ${max}`);
    if (min !== undefined && v < min) errors.push(`${p}: Invalid value: ${v}: ${p} in body should be greater than or equal to ${min}`);
  } else if (typeof v === 'string') {
    if (maxLength !== undefined && [...v].length > maxLength) errors.push(`${p}: Too long: may not be longer than ${maxLength}`);
  } else if (Array.isArray(v)) {
    if (maxItems !== undefined && v.length > maxItems) errors.push(`${p}: Too many: ${v.length}: must have at most ${maxItems} items`);
    if (minItems !== undefined && v.length < minItems) errors.push(`${p}: Invalid value: ${v.length}: ${p} in body should have at least ${minItems} items`);
  } else if (v !== null && typeof v === 'object') {
    const count = Object.keys(v).length;
    if (maxProps !== undefined && count > maxProps) errors.push(`${p}: Invalid value: ${count}: ${p} in body should have at most ${maxProps} properties`);
    if (minProps !== undefined && count < minProps) errors.push(`${p}: Invalid value: ${count}: ${p} in body should have at least ${minProps} properties`);
  }
}

function walk(schema: Schema, v: unknown, path: string, out: { unknown: string[]; errors: string[] }): unknown {
  const p = path === '' ? '<root>' : path;
  if (v === null) {
    if (schema.nullable !== true && schema['x-kubernetes-preserve-unknown-fields'] !== true) {
      if (typeof schema.type === 'string') out.errors.push(`${p}: Invalid value: "null": ${p} in body must be of type ${schema.type}: "null"`);
    }
    return v;
  }
  if (schema['x-kubernetes-int-or-string'] === true) {
    if (typeOf(v) !== 'integer' && typeof v !== 'string') out.errors.push(`${p}: Invalid value: ${shown(v)}: ${p} in body must be of type integer,string: ${shown(v)}`);
    return v;
  }
  const type = typeof schema.type === 'string' ? schema.type : undefined;
  if (type !== undefined && !typeMatches(type, v)) {
    out.errors.push(`${p}: Invalid value: ${shown(v)}: ${p} in body must be of type ${type}: ${shown(v)}`);
    return v;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    out.errors.push(`${p}: Unsupported value: ${JSON.stringify(v)}: supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  }
  const int64 = typeof v === 'number' ? BigInt(v) : int64LiteralDigits(v) !== undefined ? BigInt(int64LiteralDigits(v) ?? '0') : undefined;
  if (type === 'integer' && schema.format === 'int64' && int64 !== undefined && (int64 > INT64_MAX || int64 < -INT64_MAX - 1n)) {
    out.errors.push(`${p}: Invalid value: ${int64}: ${p} in body must be of type int64: ${int64}`);
  }
  if (type === 'string' && schema.format === 'date-time' && typeof v === 'string' && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v)) {
    out.errors.push(`${p}: Invalid value: ${JSON.stringify(v)}: ${p} in body must be of type date-time: ${JSON.stringify(v)}`);
  }
  checkBounds(schema, v, p, out.errors);
  if (Array.isArray(v)) {
    const items = schema.items as Schema | undefined;
    return items ? v.map((e, i) => walk(items, e, `${path}[${i}]`, out)) : v;
  }
  if (typeOf(v) !== 'object') return v;
  const o = v as Record<string, unknown>;
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  for (const req of Array.isArray(schema.required) ? (schema.required as string[]) : []) {
    if (!(req in o) && props[req]?.default === undefined) out.errors.push(`${path === '' ? '' : `${path}.`}${req}: Required value`);
  }
  const additional = schema.additionalProperties;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const res: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(props)) if (!(k in o) && s.default !== undefined) res[k] = structuredClone(s.default);
  for (const [k, val] of Object.entries(o)) {
    const child = path === '' ? k : `${path}.${k}`;
    const s = props[k] ?? (additional !== null && typeof additional === 'object' ? (additional as Schema) : undefined);
    if (s !== undefined) res[k] = walk(s, val, child, out);
    else if (preserve || additional === true) res[k] = val;
    else out.unknown.push(child);
  }
  return res;
}

/**
 * Prunes and validates a custom resource's body (apiVersion, kind and metadata are the server's business and are
 * not walked beyond their type).
 */
export function checkAgainstSchema(schema: Schema, body: Record<string, unknown>): SchemaResult {
  const out = { unknown: [] as string[], errors: [] as string[] };
  const { apiVersion, kind, metadata, ...rest } = body;
  const rootProps = { ...((schema.properties ?? {}) as Record<string, Schema>) };
  delete rootProps.apiVersion;
  delete rootProps.kind;
  delete rootProps.metadata;
  const required = Array.isArray(schema.required) ? (schema.required as string[]).filter((r) => r in rootProps) : [];
  const pruned = walk({ ...schema, properties: rootProps, required }, rest, '', out) as Record<string, unknown>;
  return { pruned: { apiVersion, kind, metadata, ...pruned }, unknownFields: out.unknown, errors: out.errors };
}
