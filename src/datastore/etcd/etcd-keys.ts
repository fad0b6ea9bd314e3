// Calico's etcd v3 key layout (libcalico-go backend/model/resource.go): one key per resource,
//   <root>/<segment>/<name>               for cluster-scoped kinds,
//   <root>/<segment>/<namespace>/<name>   for namespaced kinds,
// with root /calico/resources/v3/projectcalico.org. Pure functions; the root is a parameter so tests can isolate
// themselves under their own root in a shared etcd.
import type { KindInfo } from '../kinds';

export const CALICO_V3_ROOT = '/calico/resources/v3/projectcalico.org';

export function resourceKey(root: string, info: KindInfo, namespace: string, name: string): string {
  return info.namespaced ? `${root}/${info.etcdSegment}/${namespace}/${name}` : `${root}/${info.etcdSegment}/${name}`;
}

/**
 * The key prefix covering a collection: the whole kind, one namespace of it, or (when namePrefix is given and the
 * scope pins the names' parent) the names starting with namePrefix. Always ends inside the kind's subtree, never at
 * a bare segment, so "ippools" cannot match "ippoolsets".
 */
export function collectionPrefix(root: string, info: KindInfo, namespace?: string, namePrefix?: string): string {
  let p = `${root}/${info.etcdSegment}/`;
  if (info.namespaced) {
    if (namespace === undefined || namespace === '') return p;
    p += `${namespace}/`;
  }
  return p + (namePrefix ?? '');
}

/** Namespace ('' for cluster-scoped kinds) and name of a key under the kind's subtree; undefined if it is not one. */
export function parseResourceKey(root: string, info: KindInfo, key: string): { namespace: string; name: string } | undefined {
  const base = `${root}/${info.etcdSegment}/`;
  if (!key.startsWith(base)) return undefined;
  const parts = key.slice(base.length).split('/');
  if (info.namespaced) {
    const [namespace, name] = parts;
    if (parts.length !== 2 || !namespace || !name) return undefined;
    return { namespace, name };
  }
  const [name] = parts;
  if (parts.length !== 1 || !name) return undefined;
  return { namespace: '', name };
}
