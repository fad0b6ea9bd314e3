// The Kubernetes-mode LeaseRecordStore (datastore/lease.ts): a coordination.k8s.io/v1 Lease, as client-go's
// resourcelock.LeaseLock keeps it (holderIdentity, acquireTime, renewTime, leaseDurationSeconds, leaseTransitions),
// written with the resourceVersion read so two candidates cannot both take it (409 Conflict = lost the race).
import type * as K8s from '@kubernetes/client-node';
import type { LeaseRecord, LeaseRecordStore, StoredLeaseRecord } from '../datastore';

export type LeaseApi = Pick<K8s.CoordinationV1Api, 'readNamespacedLease' | 'createNamespacedLease' | 'replaceNamespacedLease'>;

const statusOf = (err: unknown): number => {
  const e = err as { code?: unknown; statusCode?: unknown } | undefined;
  return typeof e?.code === 'number' ? e.code : typeof e?.statusCode === 'number' ? e.statusCode : 0;
};

const time = (t: Date | string | undefined): number => (t === undefined ? 0 : new Date(t).getTime());

function toRecord(l: K8s.V1Lease): LeaseRecord {
  const s = l.spec ?? {};
  return {
    holderIdentity: s.holderIdentity ?? '',
    acquireTime: time(s.acquireTime as Date | string | undefined),
    renewTime: time(s.renewTime as Date | string | undefined),
    leaseDurationMs: (s.leaseDurationSeconds ?? 0) * 1000,
    leaseTransitions: s.leaseTransitions ?? 0,
  };
}

function toLease(namespace: string, name: string, r: LeaseRecord, resourceVersion?: string): K8s.V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, ...(resourceVersion !== undefined ? { resourceVersion } : {}) },
    spec: {
      holderIdentity: r.holderIdentity,
      acquireTime: new Date(r.acquireTime) as K8s.V1LeaseSpec['acquireTime'],
      renewTime: new Date(r.renewTime) as K8s.V1LeaseSpec['renewTime'],
      leaseDurationSeconds: Math.max(1, Math.round(r.leaseDurationMs / 1000)),
      leaseTransitions: r.leaseTransitions,
    },
  };
}

export function kubeLeaseStore(api: LeaseApi, namespace: string, name: string): LeaseRecordStore {
  return {
    async get(): Promise<StoredLeaseRecord | undefined> {
      try {
        const l = await api.readNamespacedLease({ name, namespace });
        return { record: toRecord(l), version: l.metadata?.resourceVersion ?? '' };
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    },
    async create(record: LeaseRecord): Promise<boolean> {
      try {
        await api.createNamespacedLease({ namespace, body: toLease(namespace, name, record) });
        return true;
      } catch (err) {
        if (statusOf(err) === 409) return false;
        throw err;
      }
    },
    async update(record: LeaseRecord, version: string): Promise<boolean> {
      try {
        await api.replaceNamespacedLease({ name, namespace, body: toLease(namespace, name, record, version) });
        return true;
      } catch (err) {
        if (statusOf(err) === 409) return false;
        throw err;
      }
    },
  };
}
