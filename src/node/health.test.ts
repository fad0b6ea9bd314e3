import { allReady, bgpReadiness, datastoreReadiness, serveHealth } from './health';

describe('datastoreReadiness (calico-node keeps serving through a datastore outage, up to the watch retry timeout)', () => {
  const lost = { backend: 'etcdv3', connected: false, since: 1000, lastError: 'etcd http://10.0.0.1:2379: connection refused' };
  it('stays ready while connected and through the first 600 s of an outage', () => {
    expect(datastoreReadiness({ backend: 'etcdv3', connected: true, since: 0 }, 10_000_000)).toEqual({ ready: true });
    expect(datastoreReadiness(lost, 1000 + 66_000)).toEqual({ ready: true });
    expect(datastoreReadiness(lost, 1000 + 600_000)).toEqual({ ready: true });
  });
  it('is not ready, naming the datastore and the cause, after that', () => {
    expect(datastoreReadiness(lost, 1000 + 601_000)).toEqual({ ready: false, reason: 'datastore (etcdv3) unreachable for 601 s: etcd http://10.0.0.1:2379: connection refused' });
  });
  it('combines checks', () => {
    expect(allReady([{ ready: true }, { ready: false, reason: 'a' }, { ready: false, reason: 'b' }])).toEqual({ ready: false, reason: 'a; b' });
    expect(allReady([{ ready: true }])).toEqual({ ready: true });
  });
});

describe('bgpReadiness (calico-node bird-ready)', () => {
  const up = { address: '10.0.0.15', state: 'Established' };
  const down = { address: '10.0.0.16', state: 'Active' };
  it.each([
    { name: 'no peers', peers: [], since: 0, want: { ready: true } },
    { name: 'all up', peers: [up], since: 0, want: { ready: true } },
    { name: 'one down during start-up', peers: [up, down], since: 10_000, want: { ready: false, reason: 'BGP not established with 10.0.0.16' } },
    { name: 'one down after the threshold', peers: [up, down], since: 60_000, want: { ready: true } },
    { name: 'all down after the threshold', peers: [down], since: 60_000, want: { ready: false, reason: 'BGP not established with 10.0.0.16' } },
    { name: 'a peering not started does not count', peers: [{ ...down, notStarted: 'password' }], since: 0, want: { ready: true } },
  ])('$name', ({ peers, since, want }) => {
    expect(bgpReadiness(peers, since)).toEqual(want);
  });
});

describe('serveHealth', () => {
  it('names the health port when another process holds it', async () => {
    const first = await serveHealth('127.0.0.1', 0, () => ({ ready: true }));
    try {
      await expect(serveHealth('127.0.0.1', first.port, () => ({ ready: true }))).rejects.toMatchObject({ code: 'IN_USE', message: `health port 127.0.0.1:${first.port} is in use by another process` });
    } finally {
      await first.close();
    }
  });

  it('answers /liveness and /readiness on loopback', async () => {
    let ready = false;
    const srv = await serveHealth('127.0.0.1', 0, () => (ready ? { ready: true } : { ready: false, reason: 'BGP not established with 10.0.0.15' }));
    try {
      const get = async (p: string): Promise<[number, string]> => {
        const res = await fetch(`http://127.0.0.1:${srv.port}${p}`);
        return [res.status, await res.text()];
      };
      expect(await get('/liveness')).toEqual([200, 'live\n']);
      expect(await get('/readiness')).toEqual([503, 'gingham node is not ready: BGP not established with 10.0.0.15\n']);
      ready = true;
      expect((await get('/readiness'))[0]).toBe(200);
    } finally {
      await srv.close();
    }
  });
});
