// Values as Calico's etcd mode stores them: the JSON of the whole v3 resource, minus metadata.resourceVersion, which
// is the key's mod_revision and is put back on read. Pure; the key is authoritative for kind, namespace and name.
import type { KindInfo } from '../kinds';
import { API_VERSION, type StoredResource } from '../types';
import { describeError } from '../../lib/errors';

/** The stored value of a resource: JSON without resourceVersion (it would be stale the moment it is written). */
export function encodeResource(res: StoredResource): string {
  const { resourceVersion: _rv, ...metadata } = res.metadata;
  return JSON.stringify({ ...res, metadata });
}

export type DecodeResult = { ok: true; resource: StoredResource } | { ok: false; reason: string };

/**
 * Reads a stored value back. Refuses values that are not a JSON object of this kind, rather than handing callers a
 * resource whose shape nobody checked (someone else may write under /calico).
 */
export function decodeResource(
  info: KindInfo,
  where: { namespace: string; name: string },
  value: Buffer | string,
  modRevision: string,
): DecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `not JSON: ${describeError(err)}` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false, reason: 'not a JSON object' };
  const obj = parsed as Record<string, unknown>;
  if (obj.kind !== info.kind) return { ok: false, reason: `kind ${JSON.stringify(obj.kind)} stored under ${info.etcdSegment}` };
  const meta = obj.metadata;
  if (meta !== undefined && (meta === null || typeof meta !== 'object' || Array.isArray(meta))) return { ok: false, reason: 'metadata is not an object' };
  const metadata: Record<string, unknown> = { ...(meta as Record<string, unknown> | undefined), name: where.name, resourceVersion: modRevision };
  if (info.namespaced) metadata.namespace = where.namespace;
  else delete metadata.namespace;
  return { ok: true, resource: { ...obj, apiVersion: info.apiVersion ?? API_VERSION, kind: info.kind, metadata } as unknown as StoredResource };
}
