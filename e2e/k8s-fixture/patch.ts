// TEST FIXTURE, not a product component. The PATCH bodies the fixture API server accepts: JSON merge patch
// (RFC 7386, application/merge-patch+json; also used for strategic-merge-patch on built-in kinds, which is close
// enough for the scalar and map fields our tests touch) and JSON patch (RFC 6902, application/json-patch+json).
// Owns: applying a patch document to a plain JSON value. Must not: know about HTTP or resource versions.

export class PatchError extends Error {}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** RFC 7386 §2: null deletes a member, objects merge recursively, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): Json {
  if (!isObject(patch)) return structuredClone(patch) as Json;
  const out: Record<string, Json> = isObject(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** RFC 6901 pointer to its unescaped tokens. */
function pointer(path: unknown): string[] {
  if (typeof path !== 'string' || (path !== '' && !path.startsWith('/'))) throw new PatchError(`bad JSON pointer "${String(path)}"`);
  if (path === '') return [];
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, tokens: string[]): { parent: Json; key: string } {
  if (tokens.length === 0) throw new PatchError('operation on the document root is not supported');
  let cur: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(cur) ? cur[Number(t)] : isObject(cur) ? cur[t] : undefined;
    if (next === undefined) throw new PatchError(`path "/${tokens.join('/')}" does not exist`);
    cur = next;
  }
  return { parent: cur, key: tokens[tokens.length - 1] ?? '' };
}

function getAt(doc: Json, tokens: string[]): Json | undefined {
  let cur: Json | undefined = doc;
  for (const t of tokens) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObject(cur)) cur = cur[t];
    else return undefined;
  }
  return cur;
}

/** RFC 6902 §4: add, remove, replace, test (move/copy are not used by Gingham's callers). */
export function jsonPatch(target: unknown, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new PatchError('a JSON patch must be an array of operations');
  const doc = structuredClone(target) as Json;
  for (const op of ops as unknown[]) {
    if (!isObject(op)) throw new PatchError('each JSON patch operation must be an object');
    const tokens = pointer(op.path);
    switch (op.op) {
      case 'test': {
        if (JSON.stringify(getAt(doc, tokens)) !== JSON.stringify(op.value)) {
          throw new PatchError(`test operation failed at "${String(op.path)}"`);
        }
        break;
      }
      case 'remove':
      case 'replace':
      case 'add': {
        const { parent, key } = parentOf(doc, tokens);
        if (Array.isArray(parent)) {
          const idx = key === '-' ? parent.length : Number(key);
          if (!Number.isInteger(idx) || idx < 0 || idx > parent.length) throw new PatchError(`bad array index "${key}"`);
          if (op.op === 'add') parent.splice(idx, 0, structuredClone(op.value ?? null));
          else if (idx >= parent.length) throw new PatchError(`array index ${idx} out of range`);
          else if (op.op === 'remove') parent.splice(idx, 1);
          else parent[idx] = structuredClone(op.value ?? null);
        } else if (isObject(parent)) {
          if (op.op !== 'add' && !(key in parent)) throw new PatchError(`path "${String(op.path)}" does not exist`);
          if (op.op === 'remove') delete parent[key];
          else parent[key] = structuredClone(op.value ?? null);
        } else {
          throw new PatchError(`path "${String(op.path)}" has no container`);
        }
        break;
      }
      default:
        throw new PatchError(`unsupported JSON patch operation "${String(op.op)}"`);
    }
  }
  return doc;
}
