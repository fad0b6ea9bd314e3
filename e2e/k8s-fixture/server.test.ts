// TEST FIXTURE tests: the fixture API server checked with plain HTTPS requests, so that the kubernetes datastore
// tests rest on a server that really behaves like kube-apiserver for the calls they make.
import https from 'node:https';
import { FakeClock } from '../../src/lib/fake-clock';
import { startKubeFixture, type KubeFixture } from './server';

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

const POOLS = '/apis/crd.projectcalico.org/v1/ippools';

function call(fx: KubeFixture, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(
      `${fx.url}${path}`,
      {
        ca: fx.ca,
        method,
        headers: {
          ...(fx.token ? { authorization: `Bearer ${fx.token}` } : {}),
          ...(data ? { 'content-type': contentType, 'content-length': Buffer.byteLength(data) } : {}),
        },
        timeout: 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    if (data) req.write(data);
    req.end();
  });
}

interface WatchStream {
  events: Array<{ type: string; object: Record<string, unknown> }>;
  ended: Promise<void>;
  /** Resolves once at least n events have arrived (bounded by 5 s). */
  waitFor(n: number): Promise<void>;
  close(): void;
}

function openWatch(fx: KubeFixture, path: string): Promise<WatchStream> {
  return new Promise((resolve, reject) => {
    const events: WatchStream['events'] = [];
    let buf = '';
    let onEnd: () => void = () => undefined;
    const ended = new Promise<void>((r) => (onEnd = r));
    const waiters: Array<() => void> = [];
    const req = https.get(`${fx.url}${path}`, { ca: fx.ca, headers: { authorization: `Bearer ${fx.token ?? ''}` } }, (res) => {
      res.on('data', (c: Buffer) => {
        buf += c.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, nl)) as WatchStream['events'][number]);
          buf = buf.slice(nl + 1);
        }
        for (const w of waiters.splice(0)) w();
      });
      res.on('end', onEnd);
      res.on('close', onEnd);
      resolve({
        events,
        ended,
        close: () => req.destroy(),
        async waitFor(n) {
          const deadline = Date.now() + 5000;
          while (events.length < n) {
            if (Date.now() > deadline) throw new Error(`expected ${n} events, have ${events.length}: ${JSON.stringify(events)}`);
            await new Promise<void>((r) => {
              waiters.push(r);
              setTimeout(r, 50);
            });
          }
        },
      });
    });
    req.on('error', reject);
  });
}

function pool(name: string, labels: Record<string, string> = {}, cidr = '10.0.0.0/16'): Record<string, unknown> {
  return { apiVersion: 'crd.projectcalico.org/v1', kind: 'IPPool', metadata: { name, labels }, spec: { cidr } };
}

function meta(o: Record<string, unknown>): Record<string, unknown> {
  return o.metadata as Record<string, unknown>;
}

describe('k8s API server fixture', () => {
  let fx: KubeFixture;
  let clock: FakeClock;

  beforeEach(async () => {
    clock = new FakeClock(Date.parse('2026-01-02T03:04:05.678Z'));
    fx = await startKubeFixture({ clock, bookmarkIntervalMs: 1000 });
  });
  afterEach(async () => {
    await fx.close();
  });

  it('rejects requests without the bearer token with a 401 Status', async () => {
    const res = await call({ ...fx, token: null }, 'GET', POOLS);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
  });

  it('creates with uid, creationTimestamp, generation and a string resourceVersion; 409 AlreadyExists on repeat', async () => {
    const created = await call(fx, 'POST', POOLS, pool('p1'));
    expect(created.status).toBe(201);
    const m = meta(created.body);
    expect(m.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(m.creationTimestamp).toBe('2026-01-02T03:04:05Z');
    expect(m.generation).toBe(1);
    expect(typeof m.resourceVersion).toBe('string');
    const again = await call(fx, 'POST', POOLS, pool('p1'));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'AlreadyExists',
      code: 409,
      details: { name: 'p1', group: 'crd.projectcalico.org', kind: 'ippools' },
    });
  });

  const failures: Array<{ name: string; method: string; path: string; body?: unknown; status: number; reason: string }> = [
    { name: 'get of a missing object', method: 'GET', path: `${POOLS}/nope`, status: 404, reason: 'NotFound' },
    { name: 'replace of a missing object', method: 'PUT', path: `${POOLS}/nope`, body: pool('nope'), status: 404, reason: 'NotFound' },
    { name: 'delete of a missing object', method: 'DELETE', path: `${POOLS}/nope`, status: 404, reason: 'NotFound' },
    { name: 'create without a name', method: 'POST', path: POOLS, body: { spec: {} }, status: 422, reason: 'Invalid' },
    {
      name: 'create with a resourceVersion',
      method: 'POST',
      path: POOLS,
      body: { metadata: { name: 'x', resourceVersion: '5' } },
      status: 400,
      reason: 'BadRequest',
    },
    { name: 'an unknown resource', method: 'GET', path: '/apis/crd.projectcalico.org/v1/widgets', status: 404, reason: 'NotFound' },
    { name: 'a bad label selector', method: 'GET', path: `${POOLS}?labelSelector=a%20in%20(b`, status: 400, reason: 'BadRequest' },
  ];
  it.each(failures)('answers $name with $status $reason', async (c) => {
    const res = await call(fx, c.method, c.path, c.body);
    expect(res.status).toBe(c.status);
    expect(res.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: c.reason, code: c.status });
  });

  it('replaces only with the current resourceVersion (409 Conflict when stale) and bumps generation on spec change', async () => {
    const created = (await call(fx, 'POST', POOLS, pool('p1'))).body;
    const rv1 = meta(created).resourceVersion as string;
    const labelsOnly = await call(fx, 'PUT', `${POOLS}/p1`, { ...created, metadata: { ...meta(created), labels: { a: 'b' } } });
    expect(labelsOnly.status).toBe(200);
    expect(meta(labelsOnly.body).generation).toBe(1);
    expect(Number(meta(labelsOnly.body).resourceVersion)).toBeGreaterThan(Number(rv1));
    const stale = await call(fx, 'PUT', `${POOLS}/p1`, { ...created, spec: { cidr: '10.1.0.0/16' } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ reason: 'Conflict', code: 409 });
    expect(stale.body.message).toContain('the object has been modified');
    const fresh = await call(fx, 'PUT', `${POOLS}/p1`, { ...labelsOnly.body, spec: { cidr: '10.1.0.0/16' } });
    expect(fresh.status).toBe(200);
    expect(meta(fresh.body).generation).toBe(2);
    expect(meta(fresh.body).uid).toBe(meta(created).uid);
    expect(meta(fresh.body).creationTimestamp).toBe(meta(created).creationTimestamp);
  });

  it('deletes with a resourceVersion precondition', async () => {
    const created = (await call(fx, 'POST', POOLS, pool('p1'))).body;
    const stale = await call(fx, 'DELETE', `${POOLS}/p1`, { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion: '999' } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ reason: 'Conflict' });
    const ok = await call(fx, 'DELETE', `${POOLS}/p1`, { preconditions: { resourceVersion: meta(created).resourceVersion } });
    expect(ok.status).toBe(200);
    expect((await call(fx, 'GET', `${POOLS}/p1`)).status).toBe(404);
  });

  it('applies merge patches and JSON patches, and rejects strategic merge patch on custom resources', async () => {
    await call(fx, 'POST', POOLS, pool('p1', { keep: 'x', drop: 'y' }));
    const merged = await call(fx, 'PATCH', `${POOLS}/p1`, { metadata: { labels: { drop: null, add: 'z' } } }, 'application/merge-patch+json');
    expect(merged.status).toBe(200);
    expect(meta(merged.body).labels).toEqual({ keep: 'x', add: 'z' });
    const jp = await call(fx, 'PATCH', `${POOLS}/p1`, [{ op: 'replace', path: '/spec/cidr', value: '10.9.0.0/16' }], 'application/json-patch+json');
    expect(jp.status).toBe(200);
    expect(jp.body.spec).toEqual({ cidr: '10.9.0.0/16' });
    expect(meta(jp.body).generation).toBe(2);
    const staleMerge = await call(fx, 'PATCH', `${POOLS}/p1`, { metadata: { resourceVersion: '1' } }, 'application/merge-patch+json');
    expect(staleMerge.status).toBe(409);
    const smp = await call(fx, 'PATCH', `${POOLS}/p1`, { spec: {} }, 'application/strategic-merge-patch+json');
    expect(smp.status).toBe(415);
  });

  it('lists with equality and set-based label selectors and reports the list resourceVersion', async () => {
    await call(fx, 'POST', POOLS, pool('a', { tier: 'gold', zone: 'z1' }));
    await call(fx, 'POST', POOLS, pool('b', { tier: 'silver', zone: 'z2' }));
    await call(fx, 'POST', POOLS, pool('c', { zone: 'z1' }));
    const cases: Array<{ selector: string; want: string[] }> = [
      { selector: '', want: ['a', 'b', 'c'] },
      { selector: 'tier=gold', want: ['a'] },
      { selector: 'tier==silver', want: ['b'] },
      { selector: 'tier!=gold', want: ['b', 'c'] },
      { selector: 'tier in (gold,silver)', want: ['a', 'b'] },
      { selector: 'tier notin (gold)', want: ['b', 'c'] },
      { selector: 'tier', want: ['a', 'b'] },
      { selector: '!tier', want: ['c'] },
      { selector: 'zone=z1,tier', want: ['a'] },
    ];
    for (const c of cases) {
      const res = await call(fx, 'GET', `${POOLS}?labelSelector=${encodeURIComponent(c.selector)}`);
      expect({ selector: c.selector, names: (res.body.items as Array<Record<string, unknown>>).map((o) => meta(o).name) }).toEqual({
        selector: c.selector,
        names: c.want,
      });
      expect((res.body.metadata as Record<string, unknown>).resourceVersion).toBe(fx.resourceVersion());
    }
  });

  it('lists the state at an exact past resourceVersion, and answers 410 Expired once it is compacted', async () => {
    const a = (await call(fx, 'POST', POOLS, pool('a', { v: '1' }))).body;
    await call(fx, 'POST', POOLS, pool('b'));
    const at = fx.resourceVersion();
    await call(fx, 'PUT', `${POOLS}/a`, { ...a, metadata: { ...meta(a), labels: { v: '2' } } });
    await call(fx, 'DELETE', `${POOLS}/b`);
    await call(fx, 'POST', POOLS, pool('c'));
    const past = await call(fx, 'GET', `${POOLS}?resourceVersion=${at}&resourceVersionMatch=Exact`);
    expect(past.status).toBe(200);
    expect((past.body.items as Array<Record<string, unknown>>).map((o) => [meta(o).name, (meta(o).labels as Record<string, string>).v])).toEqual([
      ['a', '1'],
      ['b', undefined],
    ]);
    expect((past.body.metadata as Record<string, unknown>).resourceVersion).toBe(at);
    fx.compact();
    const expired = await call(fx, 'GET', `${POOLS}?resourceVersion=${at}&resourceVersionMatch=Exact`);
    expect(expired.status).toBe(410);
    expect(expired.body).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
  });

  it('serves core nodes and namespaced pods, with a fieldSelector on pods', async () => {
    expect((await call(fx, 'POST', '/api/v1/nodes', { metadata: { name: 'n1' } })).status).toBe(201);
    for (const ns of ['ns1', 'ns2']) expect((await call(fx, 'POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
    const pod = (node: string, name: string): unknown => ({ metadata: { name }, spec: { nodeName: node } });
    expect((await call(fx, 'POST', '/api/v1/namespaces/ns1/pods', pod('n1', 'p1'))).status).toBe(201);
    expect((await call(fx, 'POST', '/api/v1/namespaces/ns2/pods', pod('n2', 'p2'))).status).toBe(201);
    const all = await call(fx, 'GET', '/api/v1/pods');
    expect((all.body.items as unknown[]).length).toBe(2);
    const onN1 = await call(fx, 'GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1');
    expect((onN1.body.items as Array<Record<string, unknown>>).map((o) => meta(o).namespace)).toEqual(['ns1']);
    const inNs2 = await call(fx, 'GET', '/api/v1/namespaces/ns2/pods/p2');
    expect(inNs2.status).toBe(200);
    expect(inNs2.body).toMatchObject({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'ns2' } });
  });

  it('serves a custom resource once its CRD is applied, and stops when it is deleted', async () => {
    const path = '/apis/example.com/v1/namespaces/default/widgets';
    expect((await call(fx, 'GET', path)).status).toBe(404);
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget' }, versions: [{ name: 'v1', served: true, storage: true }] },
    };
    expect((await call(fx, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status).toBe(201);
    const w = await call(fx, 'POST', path, { metadata: { name: 'w1' }, spec: { size: 3 } });
    expect(w.status).toBe(201);
    expect(w.body).toMatchObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { namespace: 'default' } });
    expect((await call(fx, 'DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com')).status).toBe(200);
    expect((await call(fx, 'GET', path)).status).toBe(404);
  });

  it('watches from a resourceVersion: ADDED, MODIFIED, DELETED in order, selector transitions as ADDED/DELETED', async () => {
    const start = fx.resourceVersion();
    const w = await openWatch(fx, `${POOLS}?watch=true&resourceVersion=${start}&labelSelector=sel%3Dyes`);
    const a = (await call(fx, 'POST', POOLS, pool('a', { sel: 'yes' }))).body;
    await call(fx, 'POST', POOLS, pool('b', { sel: 'no' }));
    const a2 = (await call(fx, 'PUT', `${POOLS}/a`, { ...a, spec: { cidr: '10.2.0.0/16' } })).body;
    const a3 = (await call(fx, 'PUT', `${POOLS}/a`, { ...a2, metadata: { ...meta(a2), labels: { sel: 'no' } } })).body;
    await call(fx, 'PATCH', `${POOLS}/b`, { metadata: { labels: { sel: 'yes' } } }, 'application/merge-patch+json');
    await call(fx, 'DELETE', `${POOLS}/b`);
    await w.waitFor(5);
    expect(w.events.map((e) => `${e.type} ${String(meta(e.object).name)}`)).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a', 'ADDED b', 'DELETED b']);
    expect(meta(w.events[2]!.object).resourceVersion).toBe(meta(a3).resourceVersion);
    // The DELETED event carries the deletion's revision, the newest one.
    expect(meta(w.events[4]!.object).resourceVersion).toBe(fx.resourceVersion());
    w.close();
  });

  it('replays history after a resourceVersion (watch=1) and sends the current state when none is given', async () => {
    await call(fx, 'POST', POOLS, pool('a'));
    const rv = fx.resourceVersion();
    await call(fx, 'POST', POOLS, pool('b'));
    const resumed = await openWatch(fx, `${POOLS}?watch=1&resourceVersion=${rv}`);
    await resumed.waitFor(1);
    expect(resumed.events.map((e) => `${e.type} ${String(meta(e.object).name)}`)).toEqual(['ADDED b']);
    const fresh = await openWatch(fx, `${POOLS}?watch=true`);
    await fresh.waitFor(2);
    expect(fresh.events.map((e) => `${e.type} ${String(meta(e.object).name)}`)).toEqual(['ADDED a', 'ADDED b']);
    resumed.close();
    fresh.close();
  });

  it('answers a watch from before the compaction point with an ERROR event holding a 410 Gone Status', async () => {
    await call(fx, 'POST', POOLS, pool('a'));
    const old = fx.resourceVersion();
    await call(fx, 'POST', POOLS, pool('b'));
    fx.compact();
    const w = await openWatch(fx, `${POOLS}?watch=true&resourceVersion=${old}`);
    await w.ended;
    expect(w.events).toHaveLength(1);
    expect(w.events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', status: 'Failure', reason: 'Gone', code: 410 } });
    expect(w.events[0]!.object.message).toMatch(/^too old resource version: /);
    // From the compaction point itself the watch works.
    const ok = await openWatch(fx, `${POOLS}?watch=true&resourceVersion=${fx.resourceVersion()}`);
    await call(fx, 'POST', POOLS, pool('c'));
    await ok.waitFor(1);
    expect(ok.events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'c' } } });
    ok.close();
  });

  it('sends BOOKMARKs every interval when asked, and ends the watch after timeoutSeconds', async () => {
    const w = await openWatch(fx, `${POOLS}?watch=true&resourceVersion=${fx.resourceVersion()}&allowWatchBookmarks=true&timeoutSeconds=5`);
    const plain = await openWatch(fx, `${POOLS}?watch=true&resourceVersion=${fx.resourceVersion()}`);
    await call(fx, 'POST', POOLS, pool('a'));
    await w.waitFor(1);
    clock.advance(1000);
    await w.waitFor(2);
    expect(w.events[1]).toEqual({
      type: 'BOOKMARK',
      object: { kind: 'IPPool', apiVersion: 'crd.projectcalico.org/v1', metadata: { resourceVersion: fx.resourceVersion() } },
    });
    clock.advance(2000);
    await w.waitFor(4);
    expect(fx.activeWatches()).toBe(2);
    clock.advance(2000);
    await w.ended;
    expect(w.events.filter((e) => e.type === 'BOOKMARK')).toHaveLength(4);
    expect(fx.activeWatches()).toBe(1);
    await plain.waitFor(1);
    expect(plain.events.map((e) => e.type)).toEqual(['ADDED']);
    fx.endWatches('clean');
    await plain.ended;
    expect(fx.activeWatches()).toBe(0);
  });

  describe('the built-in kinds policy reads', () => {
    const NPS = '/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies';
    const np = (name: string, spec: Record<string, unknown>): Record<string, unknown> => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name }, spec });
    beforeEach(async () => {
      expect((await call(fx, 'POST', '/api/v1/namespaces', { metadata: { name: 'shop' } })).status).toBe(201);
    });

    it('defaults a NetworkPolicy as the API server does: policyTypes from the rules, port protocol TCP', async () => {
      const created = await call(fx, 'POST', NPS, np('eg', { podSelector: {}, egress: [{ ports: [{ port: 53 }] }] }));
      expect(created.status).toBe(201);
      expect(created.body.spec).toEqual({ podSelector: {}, egress: [{ ports: [{ port: 53, protocol: 'TCP' }] }], policyTypes: ['Ingress', 'Egress'] });
      const onlyIngress = await call(fx, 'POST', NPS, np('in', { podSelector: {}, egress: [] }));
      expect((onlyIngress.body.spec as { policyTypes?: string[] }).policyTypes).toEqual(['Ingress']);
      // An update is defaulted too.
      const put = await call(fx, 'PUT', `${NPS}/in`, { ...np('in', { podSelector: {}, egress: [{}] }), metadata: { name: 'in', resourceVersion: meta(onlyIngress.body).resourceVersion } });
      expect((put.body.spec as { policyTypes?: string[] }).policyTypes).toEqual(['Ingress', 'Egress']);
    });

    it('refuses an invalid NetworkPolicy with 422 naming the field, and unknown fields with fieldValidation=Strict (else drops them)', async () => {
      const bad = await call(fx, 'POST', NPS, np('bad', { podSelector: {}, ingress: [{ from: [{}] }] }));
      expect(bad.status).toBe(422);
      expect(bad.body).toMatchObject({ reason: 'Invalid', message: 'NetworkPolicy.networking.k8s.io "bad" is invalid: spec.ingress[0].from[0]: must specify a peer' });
      const strict = await call(fx, 'POST', `${NPS}?fieldValidation=Strict`, np('typo', { podSelector: {}, ingres: [] }));
      expect(strict.status).toBe(400);
      expect(strict.body.message).toBe('strict decoding error: unknown field "spec.ingres"');
      const lax = await call(fx, 'POST', NPS, np('typo', { podSelector: {}, ingres: [] }));
      expect(lax.status).toBe(201);
      expect(lax.body.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    });

    it('gives every namespace its default ServiceAccount, defaults a pod to it and refuses a pod naming a missing one', async () => {
      const sas = await call(fx, 'GET', '/api/v1/namespaces/shop/serviceaccounts');
      expect((sas.body.items as Array<Record<string, unknown>>).map((o) => meta(o).name)).toEqual(['default']);
      const pod = await call(fx, 'POST', '/api/v1/namespaces/shop/pods', { metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
      expect((pod.body.spec as { serviceAccountName?: string }).serviceAccountName).toBe('default');
      const missing = await call(fx, 'POST', '/api/v1/namespaces/shop/pods', { metadata: { name: 'b' }, spec: { serviceAccountName: 'robot', containers: [{ name: 'c', image: 'i' }] } });
      expect(missing.status).toBe(403);
      expect(missing.body.message).toBe('pods "b" is forbidden: error looking up service account shop/robot: serviceaccount "robot" not found');
      const badSa = await call(fx, 'POST', '/api/v1/namespaces/shop/serviceaccounts?fieldValidation=Strict', { metadata: { name: 'robot' }, spec: {} });
      expect(badSa.status).toBe(400);
      const badNs = await call(fx, 'POST', '/api/v1/namespaces?fieldValidation=Strict', { metadata: { name: 'x' }, secrets: [] });
      expect(badNs.body.message).toBe('strict decoding error: unknown field "secrets"');
    });

    it('deletes the objects of a deleted namespace, each with its DELETED event', async () => {
      await call(fx, 'POST', NPS, np('p', { podSelector: {} }));
      const w = await openWatch(fx, `/apis/networking.k8s.io/v1/networkpolicies?watch=true&resourceVersion=${fx.resourceVersion()}`);
      expect((await call(fx, 'DELETE', '/api/v1/namespaces/shop')).status).toBe(200);
      await w.waitFor(1);
      expect(w.events.map((e) => `${e.type} ${String(meta(e.object).name)}`)).toEqual(['DELETED p']);
      expect((await call(fx, 'GET', '/api/v1/serviceaccounts')).body.items).toEqual(
        expect.not.arrayContaining([expect.objectContaining({ metadata: expect.objectContaining({ namespace: 'shop' }) as unknown })]),
      );
      w.close();
    });

    it('authorises the node agent to list and watch NetworkPolicies, Namespaces and ServiceAccounts, and nothing more on them', async () => {
      const agent = { ...fx, token: fx.tokenFor('kube-system', 'gingham-node') };
      for (const path of ['/apis/networking.k8s.io/v1/networkpolicies', '/api/v1/namespaces', '/api/v1/serviceaccounts', '/api/v1/pods']) {
        expect((await call(agent, 'GET', path)).status).toBe(200);
      }
      expect((await call(agent, 'POST', NPS, np('x', { podSelector: {} }))).status).toBe(403);
      expect((await call(agent, 'GET', '/api/v1/namespaces/shop/serviceaccounts/default')).status).toBe(403);
      expect((await call(agent, 'GET', '/api/v1/namespaces/shop')).status).toBe(403);
    });
  });
});
