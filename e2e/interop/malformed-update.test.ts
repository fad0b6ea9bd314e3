// RFC 7606 on the wire: a real peer built on scapy's BGP layer (python3-scapy) sends the real `gingham bgp run`
// process crafted malformed messages, and each answer is checked from both sides: Gingham's (its routes and status
// over the status socket, its JSON log) and the peer's (a NOTIFICATION received or not, the session up or closed).
//
// Layout: one "tolerant" session carries every case Gingham must survive (treat-as-withdraw, attribute discard, an
// unknown attribute accepted), one after another, each on its own prefix: first a valid announcement (the route
// appears), then the malformed one (the route goes, or stays without the broken attribute). A "downstream" session
// receives what Gingham passes on, to see the unknown optional transitive attribute leave with the Partial bit.
// Every case that must reset the session gets a session of its own, so the reconnect damping of one reset never
// delays the next. Gingham runs with `--log-format json --log-level warn,peer=info`, which this suite also checks.
import { allocateLoopbacks, releaseLoopbacks } from '../lib/loopback';
import { cleanupAll, waitFor } from '../lib/process';
import { requireScapy, ScapyBgpPeer, type AttrSpec, type ScapyEvent, type UpdateSpec } from '../lib/scapy-peer';
import { describeIf, requireTools } from '../lib/tools';
import { GinghamSpeaker } from './gingham';

jest.setTimeout(240000);

const ok = requireTools('RFC 7606 against a scapy peer', [], { root: true }) && requireScapy('RFC 7606 against a scapy peer');

const G_AS = 65000;
const PEER_AS = 65099;
const DOWN_AS = 65098;
const NH = '192.0.2.99';
const WAIT_MS = 20000;

/** The attributes of a valid route from the tolerant peer; `med` marks which announcement Gingham holds. */
function base(med = 1): AttrSpec[] {
  return [
    { name: 'origin', value: 0 },
    { name: 'as_path', asns: [PEER_AS] },
    { name: 'next_hop', value: NH },
    { name: 'med', value: med },
  ];
}

function without(attrs: AttrSpec[], name: AttrSpec['name']): AttrSpec[] {
  return attrs.filter((a) => a.name !== name);
}

function replace(attrs: AttrSpec[], name: AttrSpec['name'], by: AttrSpec): AttrSpec[] {
  return attrs.map((a) => (a.name === name ? by : a));
}

interface TolerantCase {
  readonly name: string;
  /** The malformed UPDATE's attributes (its NLRI is the case's prefix). */
  readonly attrs: AttrSpec[];
  readonly outcome: 'treat-as-withdraw' | 'attribute-discard';
  /** What Gingham's log says about it (the NOTIFICATION name of the error it found). */
  readonly log: RegExp;
}

// RFC 7606 sections: §3 (c) flags, (d) missing well-known, (g) repeated attributes; §4 attribute length overrun;
// §7.1-7.8 per attribute. Attribute discard cases carry MED 2 so that the test can tell the new route arrived.
const TOLERANT: TolerantCase[] = [
  { name: 'ORIGIN value 7 (§7.1)', attrs: replace(base(), 'origin', { name: 'origin', value: 7 }), outcome: 'treat-as-withdraw', log: /Invalid ORIGIN Attribute/ },
  {
    name: 'ORIGIN of 2 octets (§7.1)',
    attrs: replace(base(), 'origin', { name: 'raw', type: 1, flags: 0x40, hex: '0000' }),
    outcome: 'treat-as-withdraw',
    log: /Attribute Length Error/,
  },
  {
    name: 'ORIGIN flagged optional (§3 c)',
    attrs: replace(base(), 'origin', { name: 'origin', value: 0, flags: 0xc0 }),
    outcome: 'treat-as-withdraw',
    log: /Attribute Flags Error/,
  },
  { name: 'AS_PATH missing (§3 d)', attrs: without(base(), 'as_path'), outcome: 'treat-as-withdraw', log: /Missing Well-known Attribute/ },
  {
    name: 'AS_PATH segment longer than the attribute (§7.2)',
    attrs: replace(base(), 'as_path', { name: 'raw', type: 2, flags: 0x40, hex: '0202 0000fe4b' }),
    outcome: 'treat-as-withdraw',
    log: /Malformed AS_PATH/,
  },
  {
    name: 'NEXT_HOP of 5 octets (§7.3)',
    attrs: replace(base(), 'next_hop', { name: 'raw', type: 3, flags: 0x40, hex: 'c000026300' }),
    outcome: 'treat-as-withdraw',
    log: /Attribute Length Error/,
  },
  {
    name: 'NEXT_HOP multicast 224.0.0.5 (§7.3)',
    attrs: replace(base(), 'next_hop', { name: 'next_hop', value: '224.0.0.5' }),
    outcome: 'treat-as-withdraw',
    log: /Invalid NEXT_HOP Attribute/,
  },
  {
    name: 'MULTI_EXIT_DISC of 3 octets (§7.4)',
    attrs: replace(base(), 'med', { name: 'raw', type: 4, flags: 0x80, hex: '000001' }),
    outcome: 'treat-as-withdraw',
    log: /Attribute Length Error/,
  },
  {
    name: 'COMMUNITIES of 5 octets (§7.8)',
    attrs: [...base(), { name: 'raw', type: 8, flags: 0xc0, hex: 'fe4b006400' }],
    outcome: 'treat-as-withdraw',
    log: /Attribute Length Error/,
  },
  {
    name: 'last attribute runs past the attribute field (§4)',
    attrs: replace(base(), 'med', { name: 'med', value: 1, attrLen: 12 }),
    outcome: 'treat-as-withdraw',
    log: /Attribute Length Error.*overruns/,
  },
  {
    name: 'unrecognized well-known attribute (type 99 without the Optional bit)',
    attrs: [...base(), { name: 'raw', type: 99, flags: 0x40, hex: '01' }],
    outcome: 'treat-as-withdraw',
    log: /Unrecognized Well-known Attribute/,
  },
  {
    name: 'ORIGIN twice: the second copy is discarded (§3 g)',
    attrs: [...base(2), { name: 'origin', value: 2 }],
    outcome: 'attribute-discard',
    log: /Malformed Attribute List.*repeated/,
  },
  {
    name: 'AGGREGATOR of 7 octets (§7.7)',
    attrs: [...base(2), { name: 'raw', type: 7, flags: 0xc0, hex: '0000fe4bc00002' }],
    outcome: 'attribute-discard',
    log: /Attribute Length Error/,
  },
  {
    name: 'LOCAL_PREF from an external peer (§7.5)',
    attrs: [...base(2), { name: 'local_pref', value: 500 }],
    outcome: 'attribute-discard',
    log: /Optional Attribute Error/,
  },
];

interface ResetCase {
  readonly name: string;
  /** What the peer sends once Established. */
  readonly send: (peer: ScapyBgpPeer, session: string) => Promise<void>;
  readonly code: number;
  readonly subcode: number;
  /** NOTIFICATION data, when RFC 4271 §6 defines it (hex). */
  readonly data?: string;
  /** The words Gingham's status INFO column shows. */
  readonly info: string;
}

const MP_V6: AttrSpec = { name: 'mp_reach_ipv6', nextHop: '2001:db8::99', nlri: ['2001:db8:77::/48'] };

const RESETS: ResetCase[] = [
  {
    name: 'a marker that is not all ones (RFC 4271 §6.1)',
    send: (p, s) => p.message(s, 4, '', { marker: `${'ff'.repeat(15)}fe` }),
    code: 1,
    subcode: 1,
    info: 'Message Header Error / Connection Not Synchronized',
  },
  {
    name: 'a header length of 18 (RFC 4271 §6.1)',
    send: (p, s) => p.message(s, 4, '', { len: 18 }),
    code: 1,
    subcode: 2,
    data: '0012',
    info: 'Message Header Error / Bad Message Length',
  },
  {
    name: 'a KEEPALIVE of 20 octets (RFC 4271 §6.1)',
    send: (p, s) => p.message(s, 4, '00'),
    code: 1,
    subcode: 2,
    data: '0014',
    info: 'Message Header Error / Bad Message Length',
  },
  {
    name: 'message type 9 (RFC 4271 §6.1)',
    send: (p, s) => p.message(s, 9, ''),
    code: 1,
    subcode: 3,
    data: '09',
    info: 'Message Header Error / Bad Message Type',
  },
  {
    name: 'a Total Path Attribute Length beyond the message (RFC 7606 §4: NLRI cannot be located)',
    send: (p, s) => p.update(s, { attrs: base(), nlri: ['10.78.0.0/24'], pathAttrLen: 200 }),
    code: 3,
    subcode: 1,
    info: 'UPDATE Message Error / Malformed Attribute List',
  },
  {
    name: 'a Withdrawn Routes Length beyond the message (RFC 4271 §6.3)',
    send: (p, s) => p.update(s, { withdrawn: ['10.78.1.0/24'], withdrawnLen: 300 }),
    code: 3,
    subcode: 1,
    info: 'UPDATE Message Error / Malformed Attribute List',
  },
  {
    name: 'MP_REACH_NLRI twice (RFC 7606 §3 g)',
    send: (p, s) => p.update(s, { attrs: [MP_V6, MP_V6, { name: 'origin', value: 0 }, { name: 'as_path', asns: [PEER_AS] }] }),
    code: 3,
    subcode: 1,
    info: 'UPDATE Message Error / Malformed Attribute List',
  },
  {
    name: 'MP_REACH_NLRI flagged transitive: AFI/SAFI disable, which Gingham does as a reset (RFC 7606 §5.3)',
    send: (p, s) => p.update(s, { attrs: [{ ...MP_V6, flags: 0xc0 }, { name: 'origin', value: 0 }, { name: 'as_path', asns: [PEER_AS] }] }),
    code: 3,
    subcode: 4,
    info: 'UPDATE Message Error / Attribute Flags Error',
  },
  {
    name: 'an invalid ORIGIN in an UPDATE without reachable NLRI (RFC 7606 §5.2)',
    send: (p, s) => p.update(s, { withdrawn: ['10.78.2.0/24'], attrs: replace(base(), 'origin', { name: 'origin', value: 7 }) }),
    code: 3,
    subcode: 6,
    info: 'UPDATE Message Error / Invalid ORIGIN Attribute',
  },
];

describeIf(ok)('RFC 7606: a scapy peer sends Gingham crafted malformed messages', () => {
  let g: GinghamSpeaker | undefined;
  let peer: ScapyBgpPeer;
  let gAddr: string;
  let tolerant: string;
  let downstream: string;
  const resetAddr = new Map<string, string>();
  let addrs: string[] = [];

  beforeAll(async () => {
    addrs = await allocateLoopbacks(3 + RESETS.length);
    [gAddr, tolerant, downstream] = addrs as [string, string, string];
    RESETS.forEach((c, i) => resetAddr.set(c.name, addrs[3 + i] as string));
    peer = await ScapyBgpPeer.start();
    for (const a of addrs.slice(1)) await peer.listen(a, a);
    g = await GinghamSpeaker.start(
      {
        asNumber: G_AS,
        routerId: gAddr,
        listen: { address: gAddr },
        peers: [
          { address: tolerant, asNumber: PEER_AS, localAddress: gAddr, families: ['ipv4', 'ipv6'] },
          { address: downstream, asNumber: DOWN_AS, localAddress: gAddr },
          ...[...resetAddr.values()].map((a) => ({ address: a, asNumber: PEER_AS, localAddress: gAddr, families: ['ipv4', 'ipv6'] as Array<'ipv4' | 'ipv6'> })),
        ],
      },
      ['--log-format', 'json', '--log-level', 'warn,peer=info'],
    );
    for (const a of addrs.slice(1)) await peer.waitAccepted(a);
    for (const a of addrs.slice(1)) {
      const v6 = a !== downstream;
      await peer.establish(a, { asn: a === downstream ? DOWN_AS : PEER_AS, routerId: a, families: v6 ? [[1, 1], [2, 1]] : [[1, 1]] });
    }
    const speaker = g;
    await g.waitFor(() => speaker.status().peers.every((p) => p.state === 'Established'), WAIT_MS, 'every session Established');
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

  function routeOf(prefix: string): ReturnType<GinghamSpeaker['routes']>[number] | undefined {
    return speaker()
      .routes(tolerant)
      .find((r) => r.prefix === prefix);
  }

  function notifications(session: string): ScapyEvent[] {
    return peer.messages(session, 'NOTIFICATION');
  }

  function logCount(component: string, re: RegExp): number {
    return speaker()
      .jsonLog()
      .filter((l) => l.component === component && re.test(l.message)).length;
  }

  function logged(component: string, re: RegExp): boolean {
    return logCount(component, re) > 0;
  }

  describe.each(TOLERANT.map((c, i) => [c.name, c, `10.77.${i}.0/24`] as const))('survives %s', (_name, c, prefix) => {
    it(`${c.outcome}: the session stays up without a NOTIFICATION`, async () => {
      const s = speaker();
      await peer.update(tolerant, { attrs: base(1), nlri: [prefix] });
      await s.waitFor(() => routeOf(prefix)?.med === 1, WAIT_MS, `${prefix} from the valid UPDATE`);
      const logRe = new RegExp(`${c.outcome === 'treat-as-withdraw' ? 'treated as withdraw' : 'attributes discarded'}.*${c.log.source}`);
      const before = logCount(`peer.${tolerant}`, logRe);
      const bad: UpdateSpec = { attrs: c.attrs, nlri: [prefix] };
      await peer.update(tolerant, bad);
      // Gingham's log names the error it found (one new line for this UPDATE).
      await waitFor(() => logCount(`peer.${tolerant}`, logRe) === before + 1, WAIT_MS, `the log line ${logRe.source}`);
      if (c.outcome === 'treat-as-withdraw') {
        // RFC 7606 §2: "the UPDATE message ... MUST be handled as though all contained routes had been withdrawn".
        await s.waitFor(() => routeOf(prefix) === undefined, WAIT_MS, `${prefix} treated as withdrawn`);
      } else {
        // The route is replaced by the malformed UPDATE's, minus the broken attribute.
        let r: ReturnType<typeof routeOf>;
        await s.waitFor(() => (r = routeOf(prefix))?.med === 2, WAIT_MS, `${prefix} from the malformed UPDATE`);
        expect(r?.origin).toBe('IGP');
        expect(r?.localPref).not.toBe(500);
      }
      expect(s.peer(tolerant)?.state).toBe('Established');
      expect(notifications(tolerant)).toEqual([]);
      expect(peer.isClosed(tolerant)).toBe(false);
    });
  });

  it('accepts an unknown optional transitive attribute and passes it on with the Partial bit set; drops an unknown non-transitive one', async () => {
    const prefix = '10.77.200.0/24';
    await peer.update(tolerant, {
      attrs: [...base(1), { name: 'raw', type: 0x63, flags: 0xc0, hex: 'cafe' }, { name: 'raw', type: 0x64, flags: 0x80, hex: 'beef' }],
      nlri: [prefix],
    });
    await speaker().waitFor(() => routeOf(prefix) !== undefined, WAIT_MS, `${prefix} at gingham`);
    // RFC 4271 §5: an unrecognized optional transitive attribute is passed on "with the Partial bit ... set to 1"; an
    // unrecognized optional non-transitive one "is quietly ignored" and not passed along.
    const out = await waitFor(
      () => peer.messages(downstream, 'UPDATE').find((m) => (m.nlri ?? []).includes(prefix)),
      WAIT_MS,
      `${prefix} sent to the downstream peer`,
    );
    expect(out.parseError).toBeUndefined();
    const attrs = out.attrs ?? [];
    expect(attrs.find((a) => a.type === 0x63)).toEqual({ flags: 0xe0, type: 0x63, hex: 'cafe' });
    expect(attrs.find((a) => a.type === 0x64)).toBeUndefined();
    // eBGP: Gingham prepends its AS (RFC 4271 §5.1.2).
    const asPath = attrs.find((a) => a.type === 2);
    expect(asPath?.hex).toBe(`0202${G_AS.toString(16).padStart(8, '0')}${PEER_AS.toString(16).padStart(8, '0')}`);
    expect(notifications(tolerant)).toEqual([]);
    expect(notifications(downstream)).toEqual([]);
  });

  describe.each(RESETS.map((c) => [c.name, c] as const))('resets the session on %s', (_name, c) => {
    it(`with NOTIFICATION ${c.code}/${c.subcode}`, async () => {
      const session = resetAddr.get(c.name) as string;
      await c.send(peer, session);
      // The peer's view: the NOTIFICATION, then the connection closes.
      const n = await peer.nextMessage(session, 'NOTIFICATION', WAIT_MS);
      expect({ code: n.code, subcode: n.subcode }).toEqual({ code: c.code, subcode: c.subcode });
      if (c.data !== undefined) expect(n.data).toBe(c.data);
      await peer.waitClosed(session);
      // Gingham's view: the session left Established with the error it sent, and its log names it.
      const s = speaker();
      let peers: ReturnType<GinghamSpeaker['status']>['peers'] = [];
      await s.waitFor(() => (peers = s.status().peers).find((p) => p.address === session)?.info.includes(`BGP Error: ${c.info}`) === true, WAIT_MS, `${session} info`);
      expect(peers.find((p) => p.address === session)).toMatchObject({ state: expect.not.stringMatching(/^Established$/), prefixesReceived: 0 });
      // The other sessions did not notice.
      expect(peers.find((p) => p.address === tolerant)?.state).toBe('Established');
      await waitFor(() => logged(`peer.${session}`, /Established -> Idle/), WAIT_MS, 'the session-down log line');
    });
  });

  it('logs JSON lines only, at the levels set per component', () => {
    const lines = speaker().jsonLog();
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toEqual(expect.objectContaining({ level: expect.any(String), message: expect.any(String), component: expect.any(String), timestamp: expect.any(String) }));
    // `warn,peer=info`: info from the peers, nothing below warn from anyone else (the speaker logs "listening" at info).
    expect(lines.some((l) => l.level === 'info' && l.component.startsWith('peer.'))).toBe(true);
    expect(lines.filter((l) => !l.component.startsWith('peer.') && (l.level === 'info' || l.level === 'debug'))).toEqual([]);
    expect(lines.some((l) => l.level === 'debug')).toBe(false);
  });
});
