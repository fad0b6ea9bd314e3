// The patch formats `gingham patch -t` takes, applied to a resource's JSON: merge patch (RFC 7386; also what
// calicoctl's default "strategic" patch amounts to for the v3 kinds, which declare no merge keys) and JSON Patch
// (RFC 6902 with RFC 6901 pointers). Pure functions; a failure throws PatchError saying which operation and why.
import { GinghamError } from '../lib/errors';

export class PatchError extends GinghamError {
  constructor(message: string) {
    super('BadPatch', message);
  }
}

type Json = unknown;
const isObj = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386 §2: objects merge key by key, null deletes, anything else replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** RFC 6901 §3-4: "/a/b~1c/0" -> ["a", "b/c", "0"]. */
function pointer(p: string, op: number): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw new PatchError(`operation ${op}: path "${p}" must start with "/"`);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, parts: readonly string[], op: number, path: string): Json {
  let cur = doc;
  for (const part of parts.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(part)];
    else if (isObj(cur)) cur = cur[part];
    else cur = undefined;
    if (cur === undefined) throw new PatchError(`operation ${op}: path "${path}" does not exist`);
  }
  return cur;
}

function arrayIndex(arr: readonly Json[], token: string, op: number, path: string, forAdd: boolean): number {
  if (forAdd && token === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new PatchError(`operation ${op}: "${token}" in "${path}" is not an array index`);
  const i = Number(token);
  if (i > arr.length || (!forAdd && i === arr.length)) throw new PatchError(`operation ${op}: index ${i} in "${path}" is out of range`);
  return i;
}

function getAt(doc: Json, path: string, op: number): Json {
  const parts = pointer(path, op);
  if (parts.length === 0) return doc;
  const parent = parentOf(doc, parts, op, path);
  const last = parts[parts.length - 1] as string;
  const v = Array.isArray(parent) ? parent[arrayIndex(parent, last, op, path, false)] : isObj(parent) ? parent[last] : undefined;
  if (v === undefined) throw new PatchError(`operation ${op}: path "${path}" does not exist`);
  return v;
}

/** Returns the new document (doc itself is changed too when the root is not replaced). */
function setAt(doc: Json, path: string, value: Json, op: number, mode: 'add' | 'replace' | 'remove'): Json {
  const parts = pointer(path, op);
  if (parts.length === 0) return mode === 'remove' ? undefined : value;
  const parent = parentOf(doc, parts, op, path);
  const last = parts[parts.length - 1] as string;
  if (Array.isArray(parent)) {
    const i = arrayIndex(parent, last, op, path, mode === 'add');
    if (mode === 'add') parent.splice(i, 0, value);
    else if (mode === 'replace') parent[i] = value;
    else parent.splice(i, 1);
  } else if (isObj(parent)) {
    if (mode !== 'add' && !(last in parent)) throw new PatchError(`operation ${op}: path "${path}" does not exist`);
    if (mode === 'remove') delete parent[last];
    else parent[last] = value;
  } else {
    throw new PatchError(`operation ${op}: the parent of "${path}" is not an object or array`);
  }
  return doc;
}

/** RFC 6902 §4: add, remove, replace, move, copy, test, in order; any failure fails the whole patch. */
export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw new PatchError('a JSON patch must be a list of operations');
  let doc = structuredClone(target);
  ops.forEach((raw, i) => {
    if (!isObj(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw new PatchError(`operation ${i}: needs "op" and "path"`);
    }
    const { op, path } = raw;
    const from = (): string => {
      if (typeof raw.from !== 'string') throw new PatchError(`operation ${i}: ${op} needs "from"`);
      return raw.from;
    };
    const value = (): Json => {
      if (!('value' in raw)) throw new PatchError(`operation ${i}: ${op} needs "value"`);
      return structuredClone(raw.value);
    };
    switch (op) {
      case 'add':
        doc = setAt(doc, path, value(), i, 'add');
        break;
      case 'remove':
        doc = setAt(doc, path, undefined, i, 'remove');
        break;
      case 'replace':
        getAt(doc, path, i);
        doc = setAt(doc, path, value(), i, 'replace');
        break;
      case 'move': {
        const f = from();
        const v = getAt(doc, f, i);
        doc = setAt(doc, f, undefined, i, 'remove');
        doc = setAt(doc, path, v, i, 'add');
        break;
      }
      case 'copy':
        doc = setAt(doc, path, structuredClone(getAt(doc, from(), i)), i, 'add');
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, path, i)) !== JSON.stringify(value())) throw new PatchError(`operation ${i}: test failed at "${path}"`);
        break;
      default:
        throw new PatchError(`operation ${i}: unknown op "${op}"`);
    }
  });
  return doc;
}
