// TEST FIXTURE, not a product component. RBAC as kube-apiserver's RBAC authorizer evaluates it
// (k8s.io/kubernetes plugin/pkg/auth/authorizer/rbac): a request (user, verb, API group, resource[/subresource],
// name) is allowed when a ClusterRoleBinding binds the user to a ClusterRole with a rule matching all of them.
// The roles and bindings are the project's own (charts/gingham/rbac/cluster-roles.yaml) unless a test passes others.
// Owns: the token -> user table and the Forbidden message wording of the real server.
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ApiError, status } from './status';

export const PROJECT_RBAC_FILE = path.join(__dirname, '..', '..', 'charts', 'gingham', 'rbac', 'cluster-roles.yaml');

interface Rule {
  readonly apiGroups?: string[];
  readonly resources?: string[];
  readonly resourceNames?: string[];
  readonly verbs?: string[];
}

interface RbacObject {
  readonly kind?: string;
  readonly metadata?: { name?: string; namespace?: string };
  readonly rules?: Rule[];
  readonly roleRef?: { kind?: string; name?: string };
  readonly subjects?: Array<{ kind?: string; name?: string; namespace?: string }>;
}

export interface RbacRequest {
  readonly user: string;
  readonly verb: string;
  readonly group: string;
  /** "nodes" or "nodes/status". */
  readonly resource: string;
  readonly name?: string;
  readonly namespace?: string;
}

/** The ServiceAccount's user name, as the token authenticator reports it. */
export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

function ruleMatches(rule: Rule, r: RbacRequest): boolean {
  const has = (list: string[] | undefined, v: string): boolean => (list ?? []).includes('*') || (list ?? []).includes(v);
  if (!has(rule.verbs, r.verb) || !has(rule.apiGroups, r.group) || !has(rule.resources, r.resource)) return false;
  if (rule.resourceNames !== undefined && rule.resourceNames.length > 0) return r.name !== undefined && rule.resourceNames.includes(r.name);
  return true;
}

export class RbacAuthorizer {
  private readonly roles = new Map<string, Rule[]>();
  private readonly bindings: RbacObject[] = [];

  constructor(objects: readonly RbacObject[]) {
    for (const o of objects) {
      if (o.kind === 'ClusterRole' && o.metadata?.name) this.roles.set(o.metadata.name, o.rules ?? []);
      if (o.kind === 'ClusterRoleBinding') this.bindings.push(o);
    }
  }

  static fromFile(file = PROJECT_RBAC_FILE): RbacAuthorizer {
    const docs = parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJSON() as RbacObject);
    return new RbacAuthorizer(docs);
  }

  /** The ServiceAccounts the bindings name, as [namespace, name]. */
  serviceAccounts(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const b of this.bindings) for (const s of b.subjects ?? []) if (s.kind === 'ServiceAccount' && s.name && s.namespace) out.push([s.namespace, s.name]);
    return out;
  }

  allowed(r: RbacRequest): boolean {
    for (const b of this.bindings) {
      const bound = (b.subjects ?? []).some((s) => s.kind === 'ServiceAccount' && s.namespace && s.name && serviceAccountUser(s.namespace, s.name) === r.user);
      if (!bound || b.roleRef?.kind !== 'ClusterRole') continue;
      if ((this.roles.get(b.roleRef.name ?? '') ?? []).some((rule) => ruleMatches(rule, r))) return true;
    }
    return false;
  }

  /** Throws the real server's 403 Forbidden when the request is not allowed. */
  authorize(r: RbacRequest): void {
    if (this.allowed(r)) return;
    const [plural = r.resource] = r.resource.split('/');

    const subject = r.name !== undefined ? `${r.group === '' ? plural : `${plural}.${r.group}`} "${r.name}"` : r.group === '' ? plural : `${plural}.${r.group}`;
    const scope = r.namespace !== undefined ? `in the namespace "${r.namespace}"` : 'at the cluster scope';
    throw new ApiError(
      status('Forbidden', `${subject} is forbidden: User "${r.user}" cannot ${r.verb} resource "${r.resource}" in API group "${r.group}" ${scope}`, {
        ...(r.name !== undefined ? { name: r.name } : {}),
        group: r.group,
        kind: plural,
      }),
    );
  }
}
