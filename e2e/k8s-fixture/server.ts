// TEST FIXTURE, not a product component. A small Kubernetes API server on node:https (a throwaway CA, tls.ts), bound
// to 127.0.0.1 on a random port, for testing Gingham's `kubernetes` datastore backend on machines where no kube-apiserver can run. It follows
// the real server's semantics for the calls the backend makes (see object-store.ts for writes):
//   - paths: /api/v1/{nodes,namespaces,pods,serviceaccounts}, /api/v1/namespaces/{ns}/{pods,serviceaccounts},
//     /apis/networking.k8s.io/v1/[namespaces/{ns}/]networkpolicies, /apis/coordination.k8s.io/v1/namespaces/{ns}/leases,
//     /apis/crd.projectcalico.org/v1/[namespaces/{ns}/]{plural}, /apis/policy.networking.k8s.io/v1alpha1/{plural},
//     /apis/apiextensions.k8s.io/v1/customresourcedefinitions
//     (creating a CRD serves its group/version/plural);
//   - GET/POST on collections, GET/PUT/PATCH/DELETE on items, DELETE on a collection (deletecollection);
//   - list with labelSelector (equality and set-based) and fieldSelector, list metadata.resourceVersion, and
//     resourceVersionMatch=Exact (the state at a past revision, 410 Expired once compacted);
//   - watch (`watch=true|1`) with resourceVersion, allowWatchBookmarks (a BOOKMARK every bookmarkIntervalMs),
//     timeoutSeconds; newline-delimited JSON events; an ERROR event with a 410 Status when the requested
//     resourceVersion is older than the compaction point (`fixture.compact()`);
//   - failures as metav1.Status JSON with the real reasons and codes; a bearer token is required;
//   - where the real server is strict, so is this one: RBAC from the project's ClusterRoles for ServiceAccount tokens
//     (rbac.ts; the fixture's own token is a cluster admin), the status subresource of nodes, pods and CRs that
//     declare one (the main resource ignores status changes, the status subresource everything else), structural
//     schema pruning and validation of custom resources with fieldValidation=Strict (crd-validation.ts), an update of
//     a custom resource without metadata.resourceVersion refused (422), DELETE answering a `Status` for nodes and
//     custom resources (their registries do not set ReturnDeletedObject) and the object for pods and namespaces,
//     and PodSecurity admission at "baseline" refusing privileged or host-network pods unless the namespace is
//     labelled pod-security.kubernetes.io/enforce=privileged;
//   - NetworkPolicy decoding, validation and defaulting, strict ServiceAccount decoding, the ServiceAccount admission
//     plugin on pods (builtin-admission.ts), a "default" ServiceAccount in every new namespace, and a deleted
//     namespace's objects deleted with it.
// Must not: be imported by product code under src/.
import type http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock, type TimerHandle } from '../../src/lib/clock';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorError } from './label-selector';
import { apiVersionOf, ObjectStore, typeKey, type KubeObject, type ResourceType, type StoreEvent } from './object-store';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { int64Literal, quoteUnsafeIntegers, stringifyJsonInt64 } from '../../src/datastore/kubernetes/int64-json';
import { checkAgainstSchema, type Schema } from './crd-validation';
import { admitInstallObject, INSTALL_RESOURCES } from './install-kinds';
import { RbacAuthorizer, serviceAccountUser } from './rbac';
import { ApiError, badRequest, status, type KubeStatus } from './status';
import { admitNamespace, admitNetworkPolicy, admitPodServiceAccount, admitServiceAccount } from './builtin-admission';
import { fixtureTls } from './tls';

/** The project's CRDs (charts/gingham/crds), as applying them to a real cluster would install them. */
export const PROJECT_CRD_DIR = path.join(__dirname, '..', '..', 'charts', 'gingham', 'crds');

const CALICO_GROUP = 'crd.projectcalico.org';
const ADMIN_GROUP = 'policy.networking.k8s.io';

/** The crd.projectcalico.org/v1 kinds served from the start (as after applying Calico's CRD manifest). */
export const CALICO_RESOURCES: readonly ResourceType[] = [
  ['bgpconfigurations', 'BGPConfiguration', false],
  ['bgpfilters', 'BGPFilter', false],
  ['bgppeers', 'BGPPeer', false],
  ['blockaffinities', 'BlockAffinity', false],
  ['caliconodestatuses', 'CalicoNodeStatus', false],
  ['clusterinformations', 'ClusterInformation', false],
  ['felixconfigurations', 'FelixConfiguration', false],
  ['globalnetworkpolicies', 'GlobalNetworkPolicy', false],
  ['globalnetworksets', 'GlobalNetworkSet', false],
  ['hostendpoints', 'HostEndpoint', false],
  ['ipamblocks', 'IPAMBlock', false],
  ['ipamconfigs', 'IPAMConfig', false],
  ['ipamhandles', 'IPAMHandle', false],
  ['ippools', 'IPPool', false],
  ['ipreservations', 'IPReservation', false],
  ['kubecontrollersconfigurations', 'KubeControllersConfiguration', false],
  ['networkpolicies', 'NetworkPolicy', true],
  ['networksets', 'NetworkSet', true],
  ['stagedglobalnetworkpolicies', 'StagedGlobalNetworkPolicy', false],
  ['stagedkubernetesnetworkpolicies', 'StagedKubernetesNetworkPolicy', true],
  ['stagednetworkpolicies', 'StagedNetworkPolicy', true],
  ['tiers', 'Tier', false],
].map(([plural, kind, namespaced]) => ({
  group: CALICO_GROUP,
  version: 'v1',
  plural: plural as string,
  kind: kind as string,
  namespaced: namespaced as boolean,
  ...crdSchemaFromChart(CALICO_GROUP, plural as string),
}));

/**
 * The network-policy-api v0.1.7 kinds (policy.networking.k8s.io/v1alpha1), served from the start as on a cluster
 * where their CRDs are installed (the chart ships them; the node lists and watches both), with the chart's schemas.
 * Their CEL rules are not evaluated here: src/api/k8s/admin-network-policy.ts is tested against them instead.
 */
export const ADMIN_POLICY_RESOURCES: readonly ResourceType[] = [
  ['adminnetworkpolicies', 'AdminNetworkPolicy'],
  ['baselineadminnetworkpolicies', 'BaselineAdminNetworkPolicy'],
].map(([plural, kind]) => ({ group: ADMIN_GROUP, version: 'v1alpha1', plural: plural as string, kind: kind as string, namespaced: false, ...crdSchemaFromChart(ADMIN_GROUP, plural as string) }));


function crdSchemaFromChart(group: string, plural: string): { schema?: Schema; statusSubresource?: boolean } {
  const file = path.join(PROJECT_CRD_DIR, `${group}_${plural}.yaml`);
  if (!fs.existsSync(file)) return {};
  return crdSchemaOf(parseYaml(fs.readFileSync(file, 'utf8')) as KubeObject);
}

/** The storage version's schema and status subresource of a CRD object. */
export function crdSchemaOf(o: KubeObject): { schema?: Schema; statusSubresource?: boolean } {
  const versions = (o.spec as { versions?: Array<{ storage?: boolean; schema?: { openAPIV3Schema?: Schema }; subresources?: { status?: unknown } }> } | undefined)
    ?.versions;
  const v = versions?.find((x) => x.storage) ?? versions?.[0];
  return { ...(v?.schema?.openAPIV3Schema ? { schema: v.schema.openAPIV3Schema } : {}), statusSubresource: v?.subresources?.status !== undefined };
}

const BUILTIN_RESOURCES: readonly ResourceType[] = [
  { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false },
  { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true },
  { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
  { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true },
  { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false },
  // The controllers' leader election (coordination.k8s.io/v1 Lease, kube-system/gingham-kube-controllers).
  { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true },
];

const CRD_KEY = 'apiextensions.k8s.io/v1/customresourcedefinitions';
const BUILTIN_KEYS: ReadonlySet<string> = new Set(BUILTIN_RESOURCES.map(typeKey));
const NAMESPACES = BUILTIN_RESOURCES[1] as ResourceType;
const SERVICE_ACCOUNTS = BUILTIN_RESOURCES[3] as ResourceType;
const NETWORK_POLICIES_KEY = 'networking.k8s.io/v1/networkpolicies';
const MAX_BODY = 8 * 1024 * 1024;

export interface KubeFixtureOptions {
  /** Time for creationTimestamp, bookmarks and watch timeouts; a FakeClock makes them deterministic. */
  readonly clock?: Clock;
  /** How often a watch that asked for bookmarks gets one (real servers: about a minute). Default 1000 ms. */
  readonly bookmarkIntervalMs?: number;
  /** Bearer token clients must present; null accepts any request. Default "gingham-fixture-token". */
  readonly token?: string | null;
  /** Serve the Calico CRDs from the start. Default true. */
  readonly calicoCrds?: boolean;
  /** With calicoCrds, serve the admin network policy CRDs too (false: a cluster without them). Default true. */
  readonly adminPolicyCrds?: boolean;
  /** ClusterRoles/Bindings for ServiceAccount tokens. Default: the project's (charts/gingham/rbac/cluster-roles.yaml). */
  readonly rbac?: RbacAuthorizer;
  /** PodSecurity level enforced in namespaces without a pod-security.kubernetes.io/enforce label. Default baseline. */
  readonly podSecurity?: 'privileged' | 'baseline';
  /**
   * Serve the built-in kinds an install applies (install-kinds.ts) and authorise ServiceAccount tokens by the
   * ClusterRoles, ClusterRoleBindings and ServiceAccounts applied to the server, as a real cluster does after
   * `kubectl apply` (the `rbac` option is then ignored). Default false.
   */
  readonly installKinds?: boolean;
}

export interface KubeFixture {
  /** https://127.0.0.1:<port> */
  readonly url: string;
  readonly token: string | null;
  /** The CA certificate (PEM) that signed the server's certificate. */
  readonly ca: Buffer;
  /** A kubeconfig (YAML) whose current context points at this server. */
  readonly kubeconfig: string;
  readonly store: ObjectStore;
  /** Forget event history: a watch from an older resourceVersion then gets an ERROR event with 410 Gone. */
  compact(): void;
  /** The current global resourceVersion. */
  resourceVersion(): string;
  /** Number of open watch streams. */
  activeWatches(): number;
  /** Ends every open watch: cleanly (as on timeoutSeconds) or abruptly (socket destroyed, as on a crash). */
  endWatches(how?: 'clean' | 'abrupt'): void;
  /**
   * false: new watch requests get 503 ServiceUnavailable (with endWatches, an API server that is away for a while:
   * writes and compaction can then happen while no watch is connected). Default true.
   */
  setWatchesAvailable(available: boolean): void;
  /** A bearer token of a ServiceAccount bound by the RBAC objects: its requests are authorised by RBAC. */
  tokenFor(namespace: string, serviceAccount: string): string;
  /** A kubeconfig authenticating as that ServiceAccount. */
  kubeconfigFor(namespace: string, serviceAccount: string): string;
  /** Requests served so far, as "METHOD path?query" (for tests that check what a client sent). */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

interface Route {
  readonly type: ResourceType;
  readonly ns: string | undefined;
  readonly name: string | undefined;
  /** 'status' for the status subresource. */
  readonly sub?: 'status';
}

interface OpenWatch {
  readonly res: http.ServerResponse;
  stop(how: 'clean' | 'abrupt'): void;
}

/** Nodes and pods have a status subresource; a custom resource has one when its CRD declares it. */
function hasStatusSubresource(t: ResourceType): boolean {
  return t.group === '' ? t.plural === 'nodes' || t.plural === 'pods' : t.statusSubresource === true;
}

/** The RBAC verb of a request (k8s.io/apiserver pkg/endpoints/request RequestInfoFactory). */
function verbOf(method: string, r: { name: string | undefined }, q: URLSearchParams): string {
  const w = q.get('watch');
  switch (method) {
    case 'GET':
      if (r.name !== undefined) return 'get';
      return w === 'true' || w === '1' ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return r.name === undefined ? 'deletecollection' : 'delete';
    default:
      return method.toLowerCase();
  }
}

/**
 * The update strategy of a type with a status subresource (pkg/registry/core/node/strategy.go,
 * pkg/registry/core/pod/strategy.go, apiextensions-apiserver pkg/registry/customresource/status_strategy.go): the main
 * resource keeps the stored status; nodes/status and pods/status keep the stored spec (metadata may change); a
 * custom resource's status subresource keeps everything but status.
 */
function statusStrategy(t: ResourceType, sub: 'status' | undefined, next: KubeObject, cur: KubeObject): KubeObject {
  if (!hasStatusSubresource(t)) return next;
  const out = { ...next };
  if (sub === undefined) {
    if (cur.status === undefined) delete out.status;
    else out.status = cur.status;
    return out;
  }
  if (t.group === '') {
    if (cur.spec === undefined) delete out.spec;
    else out.spec = cur.spec;
    return out;
  }
  const keep: KubeObject = { ...cur, metadata: { ...cur.metadata, resourceVersion: next.metadata.resourceVersion, uid: next.metadata.uid } };
  if (next.status === undefined) delete keep.status;
  else keep.status = next.status;
  return keep;
}

/** The "Kind.group" a custom resource's Invalid message names. */
function qualifiedKind(t: ResourceType): string {
  return t.group === '' ? t.kind : `${t.kind}.${t.group}`;
}

function invalidObject(t: ResourceType, name: string, errors: readonly string[]): ApiError {
  const why = errors.length === 1 ? (errors[0] ?? '') : `[${errors.join(', ')}]`;
  return new ApiError(status('Invalid', `${qualifiedKind(t)} "${name}" is invalid: ${why}`, { name, group: t.group, kind: t.kind }));
}

function kubeconfigYaml(url: string, token: string | null, ca: Buffer): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: fixture',
    '  cluster:',
    `    server: ${url}`,
    `    certificate-authority-data: ${ca.toString('base64')}`,
    'users:',
    '- name: fixture',
    '  user:',
    `    token: ${token ?? 'unused'}`,
    'contexts:',
    '- name: fixture',
    '  context:',
    '    cluster: fixture',
    '    user: fixture',
    'current-context: fixture',
    '',
  ].join('\n');
}

export async function startKubeFixture(opts: KubeFixtureOptions = {}): Promise<KubeFixture> {
  const clock = opts.clock ?? systemClock;
  const bookmarkMs = opts.bookmarkIntervalMs ?? 1000;
  const token = opts.token === undefined ? 'gingham-fixture-token' : opts.token;
  const store = new ObjectStore(clock);
  const rbac = opts.rbac ?? RbacAuthorizer.fromFile();
  const defaultPodSecurity = opts.podSecurity ?? 'baseline';
  const saTokens = new Map<string, string>();
  for (const [ns, sa] of rbac.serviceAccounts()) saTokens.set(`gingham-fixture-sa.${ns}.${sa}`, serviceAccountUser(ns, sa));
  for (const t of BUILTIN_RESOURCES) store.registerType(t);
  if (opts.installKinds) for (const t of INSTALL_RESOURCES) store.registerType(t);
  const installType = (plural: string): ResourceType => INSTALL_RESOURCES.find((t) => t.plural === plural) as ResourceType;
  /** installKinds: the RBAC objects applied so far; otherwise the fixed authorizer. */
  const authorizer = (): RbacAuthorizer => {
    if (!opts.installKinds) return rbac;
    const all = (plural: string): KubeObject[] => store.list(installType(plural), undefined, [], []).items;
    return new RbacAuthorizer([...all('clusterroles'), ...all('clusterrolebindings')]);
  };
  /** installKinds: a ServiceAccount token is valid while its ServiceAccount exists, as a bound token is. */
  const appliedServiceAccount = (tok: string): string | undefined => {
    const m = /^gingham-fixture-sa\.([^.]+)\.(.+)$/.exec(tok);
    if (!opts.installKinds || !m) return undefined;
    return store.has(SERVICE_ACCOUNTS, m[1], m[2] ?? '') ? serviceAccountUser(m[1] ?? '', m[2] ?? '') : undefined;
  };
  if (opts.calicoCrds !== false) for (const t of [...CALICO_RESOURCES, ...(opts.adminPolicyCrds !== false ? ADMIN_POLICY_RESOURCES : [])]) store.registerType(t);
  /**
   * A new namespace gets its "default" ServiceAccount (kube-controller-manager's serviceaccount controller; at once
   * here, where the real controller takes a moment).
   */
  const createNamespace = (body: unknown): KubeObject => {
    const ns = store.create(NAMESPACES, undefined, admitNamespace(body));
    store.create(SERVICE_ACCOUNTS, ns.metadata.name, { metadata: { name: 'default' } });
    return ns;
  };
  // The namespaces every cluster starts with (kube-apiserver's system namespaces controller).
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) createNamespace({ metadata: { name } });
  const watches = new Set<OpenWatch>();
  const requests: string[] = [];
  let watchesAvailable = true;

  function route(segments: string[]): Route | undefined {
    let group: string;
    let version: string;
    let rest: string[];
    if (segments[0] === 'api' && segments.length >= 2) {
      group = '';
      version = segments[1] ?? '';
      rest = segments.slice(2);
    } else if (segments[0] === 'apis' && segments.length >= 3) {
      group = segments[1] ?? '';
      version = segments[2] ?? '';
      rest = segments.slice(3);
    } else {
      return undefined;
    }
    let ns: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      ns = rest[1];
      rest = rest.slice(2);
    }
    let sub: 'status' | undefined;
    if (rest.length === 3 && rest[2] === 'status') {
      sub = 'status';
      rest = rest.slice(0, 2);
    }
    if (rest.length < 1 || rest.length > 2) return undefined;
    const type = store.findType(group, version, rest[0] ?? '');
    if (!type) return undefined;
    if (sub !== undefined && !hasStatusSubresource(type)) return undefined;
    if (ns !== undefined && !type.namespaced) return undefined;
    // A namespaced item needs its namespace; a namespaced collection without one lists across namespaces.
    if (type.namespaced && ns === undefined && rest.length === 2) return undefined;
    return { type, ns, name: rest[1], ...(sub ? { sub } : {}) };
  }

  function sendJson(res: http.ServerResponse, code: number, body: unknown): void {
    const text = stringifyJsonInt64(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  function sendStatus(res: http.ServerResponse, s: KubeStatus): void {
    sendJson(res, s.code, s);
  }

  async function readBody(req: http.IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) throw badRequest('request body too large');
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.trim() === '') return undefined;
    try {
      // Integers beyond a double's exact range are kept exactly (as int64Literal strings), as the real server does.
      return JSON.parse(quoteUnsafeIntegers(text, int64Literal)) as unknown;
    } catch {
      throw badRequest('the request body is not valid JSON');
    }
  }

  /** Side effects of CRD objects: a created CRD serves its resource, a deleted one stops serving it. */
  function crdType(o: KubeObject): ResourceType | undefined {
    const spec = o.spec as
      | { group?: string; scope?: string; names?: { plural?: string; kind?: string }; versions?: Array<{ name?: string; storage?: boolean }> }
      | undefined;
    const version = spec?.versions?.find((v) => v.storage)?.name ?? spec?.versions?.[0]?.name;
    if (!spec?.group || !spec.names?.plural || !spec.names.kind || !version) return undefined;
    return { group: spec.group, version, plural: spec.names.plural, kind: spec.names.kind, namespaced: spec.scope === 'Namespaced', ...crdSchemaOf(o) };
  }

  function startWatch(req: http.IncomingMessage, res: http.ServerResponse, r: Route, q: URLSearchParams): void {
    if (!watchesAvailable) throw new ApiError(status('ServiceUnavailable', 'watches are unavailable (fixture.setWatchesAvailable(false))'));
    const labels = parseLabelSelector(q.get('labelSelector') ?? undefined);
    const fields = parseFieldSelector(q.get('fieldSelector') ?? undefined);
    const rvParam = q.get('resourceVersion') ?? '';
    const since = rvParam === '' || rvParam === '0' ? undefined : Number(rvParam);
    if (since !== undefined && (!Number.isInteger(since) || since < 0)) throw badRequest(`invalid resourceVersion "${rvParam}"`);
    const timeoutS = Number(q.get('timeoutSeconds') ?? '0');
    const bookmarks = q.get('allowWatchBookmarks') === 'true';
    const key = typeKey(r.type);

    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
    res.flushHeaders();
    const send = (type: string, object: unknown): void => {
      if (!res.writableEnded && !res.destroyed) res.write(stringifyJsonInt64({ type, object }) + '\n');
    };
    const matches = (o: KubeObject): boolean =>
      (r.ns === undefined || o.metadata.namespace === r.ns) && matchesLabels(labels, o.metadata.labels) && matchesFields(fields, o);
    const deliver = (e: StoreEvent): void => {
      if (e.typeKey !== key) return;
      const now = matches(e.object);
      const before = e.previous !== undefined && matches(e.previous);
      // With a selector, an object that starts or stops matching is ADDED or DELETED for this watch, as in
      // the apiserver's watch cache filtering.
      if (e.type === 'MODIFIED') {
        if (now && before) send('MODIFIED', e.object);
        else if (now) send('ADDED', e.object);
        else if (before) send('DELETED', e.object);
      } else if (now) {
        send(e.type, e.object);
      }
    };

    let backlog: StoreEvent[] = [];
    try {
      if (since !== undefined) backlog = store.eventsSince(r.type, since, rvParam);
    } catch (err) {
      if (err instanceof ApiError) {
        send('ERROR', err.status);
        res.end();
        return;
      }
      throw err;
    }
    if (since === undefined) {
      // No resourceVersion: synthetic ADDED events for the current state, then changes (kube-apiserver semantics).
      for (const o of store.list(r.type, r.ns, labels, fields).items) send('ADDED', o);
    }
    for (const e of backlog) deliver(e);
    const unsubscribe = store.subscribe(deliver);
    let bookmarkTimer: TimerHandle | undefined;
    let timeoutTimer: TimerHandle | undefined;
    const armBookmark = (): void => {
      bookmarkTimer = clock.setTimeout(() => {
        send('BOOKMARK', { kind: r.type.kind, apiVersion: apiVersionOf(r.type), metadata: { resourceVersion: String(store.currentRv()) } });
        armBookmark();
      }, bookmarkMs);
    };
    if (bookmarks) armBookmark();
    const w: OpenWatch = {
      res,
      stop(how) {
        unsubscribe();
        bookmarkTimer?.cancel();
        timeoutTimer?.cancel();
        watches.delete(w);
        if (how === 'abrupt') res.destroy();
        else if (!res.writableEnded) res.end();
      },
    };
    watches.add(w);
    if (timeoutS > 0) timeoutTimer = clock.setTimeout(() => w.stop('clean'), timeoutS * 1000);
    req.on('close', () => w.stop('clean'));
    res.on('close', () => w.stop('clean'));
  }

  /** 'admin' for the fixture's own token (or when no token is required), a ServiceAccount user, or undefined. */
  function authenticate(req: http.IncomingMessage): string | undefined {
    const auth = req.headers.authorization ?? '';
    const presented = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
    if (presented !== undefined && opts.installKinds) {
      const sa = appliedServiceAccount(presented);
      if (sa !== undefined) return sa;
    } else if (presented !== undefined && saTokens.has(presented)) return saTokens.get(presented);
    if (token === null || presented === token) return 'admin';
    return undefined;
  }

  /**
   * Custom resources: prune or (fieldValidation=Strict) refuse unknown fields, then validate against the CRD's
   * structural schema; the server's 400 and 422 wording.
   */
  function admitCustomResource(t: ResourceType, body: unknown, name: string, q: URLSearchParams): unknown {
    if (t.schema === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) return body;
    const checked = checkAgainstSchema(t.schema, body as Record<string, unknown>);
    if (checked.unknownFields.length > 0 && q.get('fieldValidation') === 'Strict') {
      throw badRequest(`strict decoding error: ${checked.unknownFields.map((f) => `unknown field "${f}"`).join(', ')}`);
    }
    if (checked.errors.length > 0) throw invalidObject(t, name, checked.errors);
    return checked.pruned;
  }

  /** Decoding, validation and defaulting of the built-in kinds that have them here (builtin-admission.ts). */
  function admitBuiltin(t: ResourceType, body: unknown, name: string, q: URLSearchParams): unknown {
    const strict = q.get('fieldValidation') === 'Strict';
    if (typeKey(t) === NETWORK_POLICIES_KEY) return admitNetworkPolicy(body, name, strict);
    if (typeKey(t) === typeKey(SERVICE_ACCOUNTS)) return admitServiceAccount(body, strict);
    if (typeKey(t) === typeKey(NAMESPACES)) return admitNamespace(body, strict);
    return body;
  }

  /**
   * The namespace controller's work once a namespace is deleted: every namespaced object in it goes (each with its
   * DELETED event). At once here; the real server keeps the namespace Terminating until it is done.
   */
  function deleteNamespaceContents(ns: string): void {
    for (const t of store.types()) {
      if (!t.namespaced) continue;
      for (const o of store.list(t, ns, [], []).items) store.delete(t, ns, o.metadata.name ?? '');
    }
  }

  /**
   * PodSecurity admission (k8s.io/pod-security-admission policy/check_privileged.go, check_hostNamespaces.go): at
   * "baseline", privileged containers and host namespaces are refused.
   */
  function admitPod(ns: string | undefined, body: unknown): void {
    const nsLabels = (() => {
      try {
        return store.get(BUILTIN_RESOURCES[1] as ResourceType, undefined, ns ?? '').metadata.labels ?? {};
      } catch {
        return {};
      }
    })();
    const level = nsLabels['pod-security.kubernetes.io/enforce'] ?? defaultPodSecurity;
    if (level === 'privileged') return;
    const pod = body as { metadata?: { name?: string }; spec?: { hostNetwork?: boolean; containers?: Array<{ name?: string; securityContext?: { privileged?: boolean } }>; initContainers?: Array<{ name?: string; securityContext?: { privileged?: boolean } }> } };
    const why: string[] = [];
    if (pod.spec?.hostNetwork === true) why.push('host namespaces (hostNetwork=true)');
    const priv = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].filter((c) => c.securityContext?.privileged === true).map((c) => `"${c.name ?? ''}"`);
    if (priv.length > 0) why.push(`privileged (${priv.length === 1 ? 'container' : 'containers'} ${priv.join(', ')} must not set securityContext.privileged=true)`);
    if (why.length === 0) return;
    const name = pod.metadata?.name ?? '';
    throw new ApiError(status('Forbidden', `pods "${name}" is forbidden: violates PodSecurity "${level}:latest": ${why.join(', ')}`, { name, group: '', kind: 'pods' }));
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fixture');
    requests.push(`${req.method ?? ''} ${url.pathname}${url.search}`);
    const user = authenticate(req);
    if (user === undefined) {
      sendStatus(res, status('Unauthorized', 'Unauthorized'));
      return;
    }
    if (url.pathname === '/version') {
      sendJson(res, 200, { major: '1', minor: '31', gitVersion: 'v1.31.0-gingham-fixture' });
      return;
    }
    const segments = url.pathname.split('/').filter((s) => s.length > 0).map(decodeURIComponent);
    const r = route(segments);
    if (!r) {
      sendStatus(res, status('NotFound', 'the server could not find the requested resource'));
      return;
    }
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    const t = r.type;
    if (user !== 'admin') {
      authorizer().authorize({ user, verb: verbOf(method, r, q), group: t.group, resource: r.sub ? `${t.plural}/${r.sub}` : t.plural, name: r.name, namespace: r.ns });
    }
    const isCustom = !BUILTIN_KEYS.has(typeKey(t));
    if (r.name === undefined) {
      if (method === 'GET') {
        const w = q.get('watch');
        if (w === 'true' || w === '1') {
          startWatch(req, res, r, q);
          return;
        }
        const labels = parseLabelSelector(q.get('labelSelector') ?? undefined);
        const fields = parseFieldSelector(q.get('fieldSelector') ?? undefined);
        const at = q.get('resourceVersion') ?? '';
        // resourceVersionMatch=Exact lists the state at that revision; otherwise the latest state is served (which
        // satisfies both "Any" and "NotOlderThan").
        let list;
        if (q.get('resourceVersionMatch') === 'Exact') {
          if (!/^\d+$/.test(at)) throw badRequest('resourceVersionMatch=Exact needs a resourceVersion');
          list = store.listAt(t, r.ns, labels, fields, Number(at));
        } else {
          list = store.list(t, r.ns, labels, fields);
        }
        sendJson(res, 200, {
          apiVersion: apiVersionOf(t),
          kind: `${t.kind}List`,
          metadata: { resourceVersion: list.resourceVersion },
          items: list.items,
        });
        return;
      }
      if (method === 'POST') {
        if (t.namespaced && r.ns === undefined) throw badRequest('a namespace is required to create a namespaced object');
        // NamespaceLifecycle admission: no object is created in a namespace that does not exist.
        if (t.namespaced && !store.has(BUILTIN_RESOURCES[1] as ResourceType, undefined, r.ns ?? '')) {
          throw new ApiError(status('NotFound', `namespaces "${r.ns ?? ''}" not found`, { name: r.ns ?? '', group: '', kind: 'namespaces' }));
        }
        let body = await readBody(req);
        const bodyName = (body as { metadata?: { name?: string } } | undefined)?.metadata?.name ?? '';
        if (isCustom) body = admitCustomResource(t, body, bodyName, q);
        else body = admitBuiltin(t, body, bodyName, q);
        if (opts.installKinds) admitInstallObject(t, body, q.get('fieldValidation') === 'Strict');
        if (hasStatusSubresource(t) && body !== null && typeof body === 'object') delete (body as { status?: unknown }).status;
        if (t.group === '' && t.plural === 'pods') {
          admitPod(r.ns, body);
          admitPodServiceAccount(body, r.ns ?? '', (sa) => store.has(SERVICE_ACCOUNTS, r.ns, sa));
        }
        const created = typeKey(t) === typeKey(NAMESPACES) ? createNamespace(body) : store.create(t, r.ns, body);
        if (typeKey(t) === CRD_KEY) {
          const ct = crdType(created);
          if (ct) store.registerType(ct);
        }
        sendJson(res, 201, created);
        return;
      }
      if (method === 'DELETE') {
        const list = store.list(t, r.ns, parseLabelSelector(q.get('labelSelector') ?? undefined), []);
        for (const o of list.items) store.delete(t, o.metadata.namespace, o.metadata.name ?? '');
        sendJson(res, 200, { apiVersion: apiVersionOf(t), kind: `${t.kind}List`, metadata: { resourceVersion: String(store.currentRv()) }, items: list.items });
        return;
      }
    } else {
      if (method === 'GET') {
        sendJson(res, 200, store.get(t, r.ns, r.name));
        return;
      }
      const name = r.name;
      const prepare = (next: KubeObject, cur: KubeObject): KubeObject => {
        const admitted = (isCustom ? admitCustomResource(t, next, name, q) : admitBuiltin(t, next, name, q)) as KubeObject;
        if (opts.installKinds) admitInstallObject(t, admitted, q.get('fieldValidation') === 'Strict');
        return statusStrategy(t, r.sub, admitted, cur);
      };
      if (method === 'PUT') {
        const body = await readBody(req);
        const rv = (body as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata?.resourceVersion;
        // Custom resources do not allow unconditional updates (customresource strategy AllowUnconditionalUpdate false;
        // checked after the object is found, k8s.io/apiserver registry/generic/registry/store.go Update). The message
        // names group and resource (plural), not the kind.
        const conditional = (next: KubeObject, cur: KubeObject): KubeObject => {
          if (isCustom && (rv === undefined || rv === '')) {
            throw new ApiError(
              status('Invalid', `${t.plural}.${t.group} "${name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update`, {
                name,
                group: t.group,
                kind: t.plural,
              }),
            );
          }
          return prepare(next, cur);
        };
        sendJson(res, 200, store.replace(t, r.ns, name, body, conditional));
        return;
      }
      if (method === 'PATCH') {
        sendJson(res, 200, store.patch(t, r.ns, name, req.headers['content-type'] ?? '', await readBody(req), prepare));
        return;
      }
      if (r.sub !== undefined) {
        sendStatus(res, status('MethodNotAllowed', `the server does not allow this method on the requested resource`));
        return;
      }
      if (method === 'DELETE') {
        const body = (await readBody(req)) as { preconditions?: { resourceVersion?: string; uid?: string } } | undefined;
        const deleted = store.delete(t, r.ns, r.name, body?.preconditions ?? {});
        if (typeKey(t) === typeKey(NAMESPACES)) deleteNamespaceContents(r.name);
        if (typeKey(t) === CRD_KEY) {
          const ct = crdType(deleted);
          if (ct) store.unregisterType(typeKey(ct));
        }
        // Pods, namespaces and CRDs answer with the object (their registries set ReturnDeletedObject or finalize);
        // nodes and custom resources answer with a Success Status (k8s.io/apiserver registry/generic/registry/store.go).
        const returnsObject = typeKey(t) === CRD_KEY || (t.group === '' && (t.plural === 'pods' || t.plural === 'namespaces'));
        if (returnsObject) sendJson(res, 200, deleted);
        else {
          sendJson(res, 200, {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Success',
            details: { name: r.name, group: t.group, kind: t.plural, uid: deleted.metadata.uid },
          });
        }
        return;
      }
    }
    sendStatus(res, status('MethodNotAllowed', `the server does not allow this method on the requested resource`));
  }

  const tls = fixtureTls();
  const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof ApiError) sendStatus(res, err.status);
      else if (err instanceof SelectorError) sendStatus(res, status('BadRequest', err.message));
      else sendJson(res, 500, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: String(err), reason: 'InternalError', code: 500 });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tokenFor = (namespace: string, serviceAccount: string): string => {
    const tok = `gingham-fixture-sa.${namespace}.${serviceAccount}`;
    if (opts.installKinds) return tok;
    if (!saTokens.has(tok)) throw new Error(`no RBAC binding names ServiceAccount ${namespace}/${serviceAccount}`);
    return tok;
  };

  return {
    url,
    token,
    ca: tls.ca,
    kubeconfig: kubeconfigYaml(url, token, tls.ca),
    store,
    requests,
    tokenFor,
    kubeconfigFor: (namespace, serviceAccount) => kubeconfigYaml(url, tokenFor(namespace, serviceAccount), tls.ca),
    compact: () => store.compact(),
    resourceVersion: () => String(store.currentRv()),
    activeWatches: () => watches.size,
    setWatchesAvailable(available) {
      watchesAvailable = available;
    },
    endWatches(how = 'clean') {
      for (const w of [...watches]) w.stop(how);
    },
    async close() {
      for (const w of [...watches]) w.stop('abrupt');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
