// Capability-dependent wire behaviour of the real `gingham bgp run` process, judged by scapy's BGP layer:
// - RFC 6793 towards an OLD speaker (no four-octet-as capability): Gingham, in a 4-octet AS, sends My AS = AS_TRANS,
//   a 2-octet AS_PATH with AS_TRANS and the real path in AS4_PATH; and it merges AS_PATH + AS4_PATH on receipt.
// - RFC 8654 Extended Message: an UPDATE above 4096 octets is accepted once both OPENs carried the capability, and is
//   a Message Header Error / Bad Message Length (data: the length) when they did not.
import { allocateLoopbacks, releaseLoopbacks } from '../lib/loopback';
import { cleanupAll } from '../lib/process';
import { requireScapy, ScapyBgpPeer, type AttrSpec } from '../lib/scapy-peer';
import { describeIf, requireTools } from '../lib/tools';
import { GinghamSpeaker } from './gingham';

const ok = requireTools('capabilities against a scapy peer', [], { root: true }) && requireScapy('capabilities against a scapy peer');

const G_AS = 4200000001;
const AS_TRANS = 23456;
const OLD_AS = 65099;
const WAIT_MS = 20000;

const hex32 = (n: number): string => n.toString(16).padStart(8, '0');
const hex16 = (n: number): string => n.toString(16).padStart(4, '0');

/** 1300 host routes: an UPDATE of about 6.5 kB, too big for a 4096-octet message. */
const MANY = Array.from({ length: 1300 }, (_, i) => `10.96.${i >> 8}.${i & 255}/32`);

function attrs4(asn: number): AttrSpec[] {
  return [
    { name: 'origin', value: 0 },
    { name: 'as_path', asns: [asn] },
    { name: 'next_hop', value: '192.0.2.97' },
  ];
}

describeIf(ok)('capabilities on the wire against a scapy peer', () => {
  let g: GinghamSpeaker | undefined;
  let peer: ScapyBgpPeer;
  let addrs: string[] = [];
  let gAddr: string;
  let old: string;
  let ext: string;
  let noExt: string;

  beforeAll(async () => {
    addrs = await allocateLoopbacks(4);
    [gAddr, old, ext, noExt] = addrs as [string, string, string, string];
    peer = await ScapyBgpPeer.start();
    for (const a of addrs.slice(1)) await peer.listen(a, a);
    g = await GinghamSpeaker.start({
      asNumber: G_AS,
      routerId: gAddr,
      listen: { address: gAddr },
      peers: [
        { address: old, asNumber: OLD_AS, localAddress: gAddr },
        { address: ext, asNumber: 65098, localAddress: gAddr },
        { address: noExt, asNumber: 65097, localAddress: gAddr },
      ],
      originate: [{ prefix: '10.95.0.0/24', nextHop: '192.0.2.95' }],
    });
    for (const a of addrs.slice(1)) await peer.waitAccepted(a);
  });

  afterAll(async () => {
    if (g !== undefined) await g.stop();
    await peer?.stop();
    await cleanupAll();
    releaseLoopbacks(addrs);
  });

  function speaker(): GinghamSpeaker {
    if (g === undefined) throw new Error('gingham not started');
    return g;
  }

  it('talks to a 2-octet AS speaker with AS_TRANS and AS4_PATH, and merges AS4_PATH on receipt (RFC 6793 §4.2)', async () => {
    const theirs = await peer.establish(old, { asn: OLD_AS, routerId: old, fourOctetAs: false });
    // §4.2.1: a NEW speaker in a 4-octet AS puts AS_TRANS in My Autonomous System.
    expect(theirs.asn).toBe(AS_TRANS);
    const upd = await peer.nextMessage(old, 'UPDATE', WAIT_MS);
    expect(upd.nlri).toEqual(['10.95.0.0/24']);
    const byType = new Map((upd.attrs ?? []).map((a) => [a.type, a]));
    // §4.2.2: AS_PATH with 2-octet ASNs and AS_TRANS in place of ours, the real path in AS4_PATH (optional transitive).
    expect(byType.get(2)?.hex).toBe(`0201${hex16(AS_TRANS)}`);
    expect(byType.get(17)).toEqual({ flags: 0xc0, type: 17, hex: `0201${hex32(G_AS)}` });

    // §4.2.3: from the OLD speaker, AS_PATH [65099, AS_TRANS] + AS4_PATH [4200000002] is the path 65099 4200000002.
    await peer.update(old, {
      attrs: [
        { name: 'origin', value: 0 },
        { name: 'as_path2', asns: [OLD_AS, AS_TRANS] },
        { name: 'next_hop', value: '192.0.2.98' },
        { name: 'raw', type: 17, flags: 0xc0, hex: `0201${hex32(4200000002)}` },
      ],
      nlri: ['10.98.0.0/24'],
    });
    const s = speaker();
    await s.waitFor(() => s.routes(old).some((r) => r.prefix === '10.98.0.0/24'), WAIT_MS, 'the route from the OLD speaker');
    expect(s.routes(old).find((r) => r.prefix === '10.98.0.0/24')?.asPath).toBe(`${OLD_AS} 4200000002`);
    expect(peer.messages(old, 'NOTIFICATION')).toEqual([]);
  });

  it('accepts an UPDATE above 4096 octets after both sides sent Extended Message (RFC 8654)', async () => {
    await peer.establish(ext, { asn: 65098, routerId: ext, extendedMessage: true });
    await peer.update(ext, { attrs: attrs4(65098), nlri: MANY });
    const s = speaker();
    await s.waitFor(() => s.peer(ext)?.prefixesReceived === MANY.length, WAIT_MS, `${MANY.length} routes from the extended-message peer`);
    expect(s.peer(ext)?.state).toBe('Established');
    expect(peer.messages(ext, 'NOTIFICATION')).toEqual([]);
  });

  it('answers the same UPDATE with Bad Message Length when the peer did not send Extended Message (RFC 8654 §4)', async () => {
    await peer.establish(noExt, { asn: 65097, routerId: noExt });
    await peer.update(noExt, { attrs: attrs4(65097), nlri: MANY });
    const n = await peer.nextMessage(noExt, 'NOTIFICATION', WAIT_MS);
    const sent = peer.events().find((e) => e.event === 'sent' && e.name === noExt && e.op === 'update');
    expect(sent).toBeDefined();
    expect({ code: n.code, subcode: n.subcode }).toEqual({ code: 1, subcode: 2 });
    // RFC 4271 §6.1: the data is the erroneous Length field; 19 header + 4 length fields + attributes + NLRI.
    const length = parseInt(n.data ?? '', 16);
    expect(length).toBeGreaterThan(4096);
    await peer.waitClosed(noExt);
    const s = speaker();
    await s.waitFor(() => (s.peer(noExt)?.info ?? '').includes('BGP Error: Message Header Error / Bad Message Length'), WAIT_MS, 'status info');
  });
});
