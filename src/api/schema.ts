// Field shapes of the v3 kinds, written once and used three ways: decoding a manifest strictly (calicoctl unmarshals
// with UnmarshalStrict, so an unknown or misspelt field is an error, not silently dropped), coercing YAML scalars
// into string fields as calicoctl's YAML layer does (`route-reflector: true` becomes the label value "true"), and
// printing in calicoctl's order (JSON in Go struct order, YAML with sorted keys) with Go's omitempty behaviour.

import { didYouMean } from '../lib/suggest';
import type { Problems } from './errors';

export type Shape =
  | { readonly t: 'string' | 'int' | 'number' | 'bool' | 'any' }
  /** A value Go reads from either a JSON number or string (ASNumber, Port, Protocol, IntOrString). */
  | { readonly t: 'intOrString' }
  | { readonly t: 'object'; readonly fields: readonly FieldDef[]; readonly open?: boolean }
  | { readonly t: 'array'; readonly of: Shape }
  | { readonly t: 'map'; readonly of: Shape };

export interface FieldDef {
  readonly name: string;
  readonly shape: Shape;
  /** Printed even when zero ("", 0, false, []): Go pointer fields and fields without omitempty. */
  readonly keepZero?: boolean;
}

export const str: Shape = { t: 'string' };
export const int: Shape = { t: 'int' };
export const num: Shape = { t: 'number' };
export const bool: Shape = { t: 'bool' };
export const any: Shape = { t: 'any' };
export const intOrStr: Shape = { t: 'intOrString' };
export const arr = (of: Shape): Shape => ({ t: 'array', of });
export const map = (of: Shape): Shape => ({ t: 'map', of });
export const obj = (fields: readonly FieldDef[], open = false): Shape => ({ t: 'object', fields, open });
/** Field definition; `keep` marks Go pointer fields, whose false/0 is meaningful and printed. */
export const f = (name: string, shape: Shape, keep = false): FieldDef => ({ name, shape, keepZero: keep });

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

/**
 * Checks `value` against `shape` and returns the normalised value (scalars coerced into string fields, nulls
 * dropped). Problems are added to `problems` with their field path; the walk continues so that all are reported.
 */
export function decodeShape(value: unknown, shape: Shape, path: string, problems: Problems): unknown {
  // A YAML/JSON null is Go's zero value: the field is simply unset.
  if (value === null || value === undefined) return undefined;
  switch (shape.t) {
    case 'any':
      return value;
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      problems.add(path, 'must be a string');
      return undefined;
    case 'int':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      problems.add(path, 'must be an integer');
      return undefined;
    case 'number':
      if (typeof value === 'number') return value;
      problems.add(path, 'must be a number');
      return undefined;
    case 'bool':
      if (typeof value === 'boolean') return value;
      problems.add(path, 'must be true or false');
      return undefined;
    case 'intOrString':
      if (typeof value === 'number' || typeof value === 'string') return value;
      problems.add(path, 'must be a number or a string');
      return undefined;
    case 'array': {
      if (!Array.isArray(value)) {
        problems.add(path, 'must be a list');
        return undefined;
      }
      return value.map((v, i) => decodeShape(v, shape.of, `${path}[${i}]`, problems));
    }
    case 'map': {
      if (!isPlainObject(value)) {
        problems.add(path, 'must be a map');
        return undefined;
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const d = decodeShape(v, shape.of, join(path, k), problems);
        if (d !== undefined) out[k] = d;
      }
      return out;
    }
    case 'object': {
      if (!isPlainObject(value)) {
        problems.add(path, 'must be an object');
        return undefined;
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const field = shape.fields.find((fd) => fd.name === k);
        if (!field) {
          if (shape.open) out[k] = v;
          else problems.add(join(path, k), `unknown field${didYouMean(k, shape.fields.map((fd) => fd.name))}`);
          continue;
        }
        const d = decodeShape(v, field.shape, join(path, k), problems);
        if (d !== undefined) out[k] = d;
      }
      return out;
    }
  }
}

function isZero(v: unknown): boolean {
  if (v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return false;
}

/**
 * Re-creates `value` with keys in print order and Go-omitempty zero values removed. `sorted` gives the YAML order
 * (calicoctl converts JSON to YAML through a Go map, so keys come out sorted); otherwise Go struct order.
 * Fields unknown to the shape (open objects) keep their insertion order after the known ones, or sort with them.
 */
export function encodeShape(value: unknown, shape: Shape, sorted: boolean): unknown {
  if (value === undefined || value === null) return undefined;
  switch (shape.t) {
    case 'array':
      return Array.isArray(value) ? value.map((v) => encodeShape(v, shape.of, sorted)) : value;
    case 'map': {
      if (!isPlainObject(value)) return value;
      const keys = Object.keys(value);
      if (sorted) keys.sort(byteOrder);
      const out: Record<string, unknown> = {};
      for (const k of keys) out[k] = encodeShape(value[k], shape.of, sorted);
      return out;
    }
    case 'object': {
      if (!isPlainObject(value)) return value;
      const entries: Array<[string, unknown]> = [];
      for (const fd of shape.fields) {
        const v = encodeShape(value[fd.name], fd.shape, sorted);
        if (v === undefined || (!fd.keepZero && isZero(v))) continue;
        entries.push([fd.name, v]);
      }
      if (shape.open) {
        for (const [k, v] of Object.entries(value)) {
          if (!shape.fields.some((fd) => fd.name === k) && v !== undefined) entries.push([k, encodeShape(v, any, sorted)]);
        }
      }
      if (sorted) entries.sort((a, b) => byteOrder(a[0], b[0]));
      return Object.fromEntries(entries);
    }
    case 'any':
      if (sorted && isPlainObject(value)) {
        return Object.fromEntries(
          Object.keys(value)
            .sort(byteOrder)
            .map((k) => [k, encodeShape(value[k], any, sorted)]),
        );
      }
      if (Array.isArray(value)) return value.map((v) => encodeShape(v, any, sorted));
      return value;
    default:
      return value;
  }
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
