// Leader election on etcd (the LeaseElection of datastore/lease.ts): etcd's election recipe through the etcd3 client
// (etcd's client/v3/concurrency/election.go, which etcd3's Election implements): each candidate writes a key under
// `<root>/leases/election/<name>/` bound to its own etcd lease (TTL seconds, kept alive by the client); the key with the
// lowest create revision leads. A dead or partitioned leader's lease expires after the TTL and its key goes with it,
// so at most one replica holds a live key at any time. Losing the lease (keep-alive failed) ends the leadership.
import type { Campaign, Etcd3 } from 'etcd3';
import { LEASE_ERR, LeaseError, type Leadership, type LeaseElection } from '../lease';

export function etcdElection(client: Etcd3, root: string, name: string, ttlSeconds: number): LeaseElection {
  const election = client.namespace(`${root.replace(/\/+$/, '')}/leases/`).election(name, ttlSeconds);
  /** Live campaigns and what closing the election does to each. */
  const campaigns = new Map<Campaign, () => void>();
  let closed = false;
  return {
    campaign(identity: string): Promise<Leadership> {
      if (closed) return Promise.reject(new LeaseError(LEASE_ERR.STOPPED, 'leader election stopped before this replica was elected'));
      return new Promise<Leadership>((resolve, reject) => {
        const c = election.campaign(identity);
        let elected = false;
        let over = false;
        let resolveLost!: (why: string) => void;
        const lost = new Promise<string>((r) => (resolveLost = r));
        const end = (why: string): void => {
          if (over) return;
          over = true;
          campaigns.delete(c);
          resolveLost(why);
        };
        const resign = async (): Promise<void> => {
          end('resigned');
          await c.resign().catch(() => undefined);
        };
        c.on('elected', () => {
          elected = true;
          resolve({ lost, resign });
        });
        c.on('error', (err: Error) => {
          if (elected) end(`etcd lease lost: ${err.message}`);
          else {
            campaigns.delete(c);
            reject(err);
          }
        });
        campaigns.set(c, () => {
          if (!elected) reject(new LeaseError(LEASE_ERR.STOPPED, 'leader election stopped before this replica was elected'));
          end('election closed');
        });
      });
    },
    async close(): Promise<void> {
      closed = true;
      const all = [...campaigns];
      campaigns.clear();
      for (const [, onClose] of all) onClose();
      await Promise.all(all.map(([c]) => c.resign().catch(() => undefined)));
    },
  };
}
