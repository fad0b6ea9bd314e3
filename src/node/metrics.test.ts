import { NodeMetrics, serveMetrics } from './metrics';

describe('NodeMetrics', () => {
  it('exposes sessions by state, prefixes per peer, UPDATE counts and route programming durations', async () => {
    const sessions = [
      { peer: '10.0.0.15', state: 'Established', prefixesReceived: 3, prefixesSent: 2, updatesIn: 7, updatesOut: 5 },
      { peer: '10.0.0.16', state: 'Active', prefixesReceived: 0, prefixesSent: 0, updatesIn: 0, updatesOut: 0 },
    ];
    const m = new NodeMetrics(() => sessions);
    m.observeApply(0.004, false, 0);
    m.observeApply(0.2, true, 2);
    const srv = await serveMetrics('127.0.0.1', 0, m);
    try {
      const text = await (await fetch(`http://127.0.0.1:${srv.port}/metrics`)).text();
      expect(text).toContain('gingham_bgp_sessions{state="Established"} 1');
      expect(text).toContain('gingham_bgp_sessions{state="Active"} 1');
      expect(text).toContain('gingham_bgp_sessions{state="Idle"} 0');
      expect(text).toContain('gingham_bgp_prefixes_received{peer="10.0.0.15"} 3');
      expect(text).toContain('gingham_bgp_prefixes_advertised{peer="10.0.0.15"} 2');
      expect(text).toContain('gingham_bgp_updates_total{peer="10.0.0.15",direction="in"} 7');
      expect(text).toContain('gingham_route_programming_seconds_count 1');
      expect(text).toContain('gingham_route_resync_seconds_count 1');
      expect(text).toContain('gingham_route_apply_failures_total 2');
      expect((await fetch(`http://127.0.0.1:${srv.port}/other`)).status).toBe(404);
    } finally {
      await srv.close();
    }
  });

  it('exposes whether the datastore answers', async () => {
    let health = { connected: true, since: 1_700_000_000_000 };
    const m = new NodeMetrics(() => [], () => health);
    expect(await m.text()).toContain('gingham_datastore_connected 1');
    health = { connected: false, since: 1_700_000_031_000 };
    const text = await m.text();
    expect(text).toContain('gingham_datastore_connected 0');
    expect(text).toContain('gingham_datastore_state_since_seconds 1700000031');
  });
});
