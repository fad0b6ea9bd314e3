// TEST FIXTURE, not a product component. A small Kubernetes API server on node:https (a throwaway CA, tls.ts), bound
// to 127.0.0.1 on a random port, for testing Gingham's `kubernetes` datastore backend on machines where no kube-apiserver can run. It follows
// the real server's semantics for the calls the backend makes (see object-store.ts for writes):
//   - paths: /api/v1/{nodes,namespaces,pods}, /api/v1/namespaces/{ns}/pods,
//     /apis/crd.projectcalico.org/v1/[namespaces/{ns}/]{plural}, /apis/apiextensions.k8s.io/v1/customresourcedefinitions
//     (creating a CRD serves its group/version/plural);
//   - GET/POST on collections, GET/PUT/PATCH/DELETE on items, DELETE on a collection (deletecollection);
//   - list with labelSelector (equality and set-based) and fieldSelector, list metadata.resourceVersion, and
//     resourceVersionMatch=Exact (the state at a past revision, 410 Expired once compacted);
//   - watch (`watch=true|1`) with resourceVersion, allowWatchBookmarks (a BOOKMARK every bookmarkIntervalMs),
//     timeoutSeconds; newline-delimited JSON events; an ERROR event with a 410 Status when the requested
//     resourceVersion is older than the compaction point (`fixture.compact()`);
//   - failures as metav1.Status JSON with the real reasons and codes; a bearer token is required.
// Must not: be imported by product code under src/.
import type http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock, type TimerHandle } from '../../src/lib/clock';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorError } from './label-selector';
import { apiVersionOf, ObjectStore, typeKey, type KubeObject, type ResourceType, type StoreEvent } from './object-store';
import { ApiError, badRequest, status, type KubeStatus } from './status';
import { fixtureTls } from './tls';

const CALICO_GROUP = 'crd.projectcalico.org';

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
  ['tiers', 'Tier', false],
].map(([plural, kind, namespaced]) => ({
  group: CALICO_GROUP,
  version: 'v1',
  plural: plural as string,
  kind: kind as string,
  namespaced: namespaced as boolean,
}));

const BUILTIN_RESOURCES: readonly ResourceType[] = [
  { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false },
  { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true },
  { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false },
];

const CRD_KEY = 'apiextensions.k8s.io/v1/customresourcedefinitions';
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
  /** Requests served so far, as "METHOD path?query" (for tests that check what a client sent). */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

interface Route {
  readonly type: ResourceType;
  readonly ns: string | undefined;
  readonly name: string | undefined;
}

interface OpenWatch {
  readonly res: http.ServerResponse;
  stop(how: 'clean' | 'abrupt'): void;
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
  for (const t of BUILTIN_RESOURCES) store.registerType(t);
  if (opts.calicoCrds !== false) for (const t of CALICO_RESOURCES) store.registerType(t);
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
    if (rest.length < 1 || rest.length > 2) return undefined;
    const type = store.findType(group, version, rest[0] ?? '');
    if (!type) return undefined;
    if (ns !== undefined && !type.namespaced) return undefined;
    // A namespaced item needs its namespace; a namespaced collection without one lists across namespaces.
    if (type.namespaced && ns === undefined && rest.length === 2) return undefined;
    return { type, ns, name: rest[1] };
  }

  function sendJson(res: http.ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
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
      return JSON.parse(text) as unknown;
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
    return { group: spec.group, version, plural: spec.names.plural, kind: spec.names.kind, namespaced: spec.scope === 'Namespaced' };
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
      if (!res.writableEnded && !res.destroyed) res.write(JSON.stringify({ type, object }) + '\n');
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

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fixture');
    requests.push(`${req.method ?? ''} ${url.pathname}${url.search}`);
    if (token !== null && req.headers.authorization !== `Bearer ${token}`) {
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
        const created = store.create(t, r.ns, await readBody(req));
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
      if (method === 'PUT') {
        sendJson(res, 200, store.replace(t, r.ns, r.name, await readBody(req)));
        return;
      }
      if (method === 'PATCH') {
        sendJson(res, 200, store.patch(t, r.ns, r.name, req.headers['content-type'] ?? '', await readBody(req)));
        return;
      }
      if (method === 'DELETE') {
        const body = (await readBody(req)) as { preconditions?: { resourceVersion?: string; uid?: string } } | undefined;
        const deleted = store.delete(t, r.ns, r.name, body?.preconditions ?? {});
        if (typeKey(t) === CRD_KEY) {
          const ct = crdType(deleted);
          if (ct) store.unregisterType(typeKey(ct));
        }
        sendJson(res, 200, deleted);
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

  return {
    url,
    token,
    ca: tls.ca,
    kubeconfig: kubeconfigYaml(url, token, tls.ca),
    store,
    requests,
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
