import type * as K8s from '@kubernetes/client-node';
import { casElection, type Leadership } from '../datastore';
import { FakeClock } from '../lib/fake-clock';
import { kubeLeaseStore, type LeaseApi } from './kube-lease';

/** The API server's behaviour for one Lease: 404 when absent, 409 on create of an existing one or a stale resourceVersion. */
function fakeLeaseApi(): LeaseApi & { stored(): K8s.V1Lease | undefined } {
  let lease: K8s.V1Lease | undefined;
  let rv = 0;
  const fail = (code: number): Error => Object.assign(new Error(`HTTP ${code}`), { code });
  const api = {
    stored: () => lease,
    readNamespacedLease: async () => {
      if (!lease) throw fail(404);
      return structuredClone(lease);
    },
    createNamespacedLease: async ({ body }: { body: K8s.V1Lease }) => {
      if (lease) throw fail(409);
      lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(++rv) } };
      return lease;
    },
    replaceNamespacedLease: async ({ body }: { body: K8s.V1Lease }) => {
      if (!lease) throw fail(404);
      if (body.metadata?.resourceVersion !== lease.metadata?.resourceVersion) throw fail(409);
      lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(++rv) } };
      return lease;
    },
  };
  return api as unknown as LeaseApi & { stored(): K8s.V1Lease | undefined };
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('kubeLeaseStore (coordination.k8s.io/v1 Lease)', () => {
  it('two replicas: one leader, the Lease names it; the other takes over after the leader resigns', async () => {
    const clock = new FakeClock();
    const api = fakeLeaseApi();
    const a = casElection(kubeLeaseStore(api, 'kube-system', 'gingham-kube-controllers'), clock);
    const b = casElection(kubeLeaseStore(api, 'kube-system', 'gingham-kube-controllers'), clock);
    let la: Leadership | undefined;
    let lb: Leadership | undefined;
    void a.campaign('a').then((l) => (la = l));
    void b.campaign('b').then((l) => (lb = l));
    for (let i = 0; i < 40; i++) {
      clock.advance(500);
      await flush();
    }
    expect([la, lb].filter((x) => x !== undefined)).toHaveLength(1);
    const leader = la ? 'a' : 'b';
    expect(api.stored()?.spec).toMatchObject({ holderIdentity: leader, leaseDurationSeconds: 15 });
    await (la ?? lb)?.resign();
    for (let i = 0; i < 10; i++) {
      clock.advance(500);
      await flush();
    }
    expect(api.stored()?.spec?.holderIdentity).toBe(leader === 'a' ? 'b' : 'a');
    expect(api.stored()?.spec?.leaseTransitions).toBe(1);
    await a.close();
    await b.close();
  });
});
