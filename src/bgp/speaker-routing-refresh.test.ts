// Enhanced route refresh (RFC 7313 §4) on the receiving side, driven straight through SpeakerRouting's PeerRouting
// face: routes of the family are marked stale at BoRR, replaced as they are re-sent, and what is still stale at EoRR
// is removed; a peer that never re-sends a route loses exactly that one.
import { FakeClock } from '../lib/fake-clock';
import { nullLogger } from '../lib/logger';
import { SpeakerRouting } from './speaker-routing';
import type { Peer } from './session/peer';
import { DEFAULT_CODEC_OPTIONS, type Prefix, type UpdateMessage } from './packet/types';
import { peerConfig } from './testing/speaker';

const p4 = (address: string): Prefix => ({ family: 'ipv4', address, length: 24 });
const announce = (...nlri: Prefix[]): UpdateMessage => ({ type: 'update', withdrawn: [], attributes: { origin: 0, asPath: [], nextHop: '192.0.2.1' }, nlri });

describe('enhanced route refresh markers', () => {
  it('BoRR marks stale, re-sent routes replace, EoRR removes the rest', () => {
    const routing = new SpeakerRouting({ asn: 65000, routerId: '10.0.0.100' }, nullLogger, new FakeClock(0), () => false);
    const sent: Buffer[] = [];
    const peer = { config: peerConfig({ address: '10.0.0.100', asn: 65000 }, { address: '10.0.0.1', asn: 65000 }), sendUpdates: (m: readonly Buffer[]) => sent.push(...m) } as unknown as Peer;
    routing.sessionUp(peer, {
      localAddress: '10.0.0.100',
      peerRouterId: '10.0.0.1',
      families: new Set(['ipv4']),
      codec: { ...DEFAULT_CODEC_OPTIONS, fourOctetAs: true, internal: true },
      maxMessageLength: 4096,
    });
    expect(sent).toHaveLength(1); // End-of-RIB
    routing.update(peer, { message: announce(p4('10.1.0.0'), p4('10.2.0.0')), errors: [] });
    expect(routing.counts(peer).received.ipv4).toBe(2);
    routing.refreshMarker(peer, 'ipv4', 'begin');
    routing.update(peer, { message: announce(p4('10.1.0.0')), errors: [] });
    const src = routing.sourceOf(peer);
    const stale = src === undefined ? [] : [...routing.rib.pathsOf(src, 'ipv4')].map((p) => [p.prefix.address, p.stale]);
    expect(stale).toEqual([
      ['10.1.0.0', false],
      ['10.2.0.0', true],
    ]);
    routing.refreshMarker(peer, 'ipv4', 'end');
    expect(src === undefined ? [] : [...routing.rib.pathsOf(src, 'ipv4')].map((p) => p.prefix.address)).toEqual(['10.1.0.0']);
    routing.close();
  });

  it('answers a ROUTE-REFRESH between BoRR and EoRR when both sides do enhanced route refresh', () => {
    const routing = new SpeakerRouting({ asn: 65000, routerId: '10.0.0.100' }, nullLogger, new FakeClock(0), () => false);
    const sent: Buffer[] = [];
    const mk = (address: string): Peer => {
      const peer = { config: peerConfig({ address: '10.0.0.100', asn: 65000 }, { address, asn: 65000 }), sendUpdates: (m: readonly Buffer[]) => sent.push(...m) } as unknown as Peer;
      routing.setPolicy(peer, { routeReflectorClient: true });
      return peer;
    };
    const info = (id: string, enhanced: boolean) => ({
      localAddress: '10.0.0.100',
      peerRouterId: id,
      families: new Set(['ipv4' as const]),
      codec: { ...DEFAULT_CODEC_OPTIONS, fourOctetAs: true, internal: true },
      maxMessageLength: 4096,
      ...(enhanced ? { enhancedRouteRefresh: true } : {}),
    });
    const a = mk('10.0.0.1');
    const b = mk('10.0.0.2');
    routing.sessionUp(a, info('10.0.0.1', true));
    routing.sessionUp(b, info('10.0.0.2', true));
    routing.update(b, { message: announce(p4('10.2.0.0')), errors: [] });
    sent.length = 0;
    routing.refreshRequested(a, 'ipv4');
    // Message types at octet 18: 5 = ROUTE-REFRESH, 2 = UPDATE; the subtype is octet 21 (RFC 7313 §3).
    expect(sent.map((m) => [m[18], m[18] === 5 ? m[21] : undefined])).toEqual([
      [5, 1],
      [2, undefined],
      [5, 2],
    ]);
    routing.close();
  });
});
