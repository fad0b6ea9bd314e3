// How `-n NAMESPACE` and `-A` combine with the namespace a resource names, with calicoctl's rules and messages
// (calicoctl commands/common/resources.go handleNamespace): a namespaced resource without one takes -n, else
// "default"; a resource's own namespace must agree with -n; cluster-scoped kinds take neither.
import { kindInfo, type Resource } from '../api/resource';

export interface NamespaceFlags {
  readonly namespace?: string;
  readonly allNamespaces?: boolean;
}

/** Returns the resource with its namespace settled (a copy when changed), or a message saying what is wrong. */
export function settleNamespace<R extends Resource>(res: R, flags: NamespaceFlags): R | string {
  const cliNs = flags.namespace ?? '';
  const allNs = flags.allNamespaces ?? false;
  const resNs = res.metadata.namespace ?? '';
  const withNs = (ns: string): R => {
    const metadata = { ...res.metadata };
    if (ns === '') delete metadata.namespace;
    else metadata.namespace = ns;
    return { ...res, metadata };
  };
  if (kindInfo(res.kind)?.namespaced) {
    if (allNs && cliNs !== '') return 'cannot use both --namespace and --all-namespaces flags at the same time';
    if (resNs === '' && cliNs !== '') return withNs(cliNs);
    if (resNs !== '' && allNs) return withNs('');
    if (resNs === '' && allNs) return res;
    if (resNs === '' && cliNs === '') return withNs('default');
    if (cliNs === '' || resNs === cliNs) return res;
    return `resource namespace does not match client namespace. ${resNs} != ${cliNs}`;
  }
  if (resNs !== '') return `namespace should not be specified for a non-namespaced resource. ${res.kind} is not a namespaced resource`;
  if (allNs || cliNs !== '') return `${res.kind} is not namespaced`;
  return res;
}
