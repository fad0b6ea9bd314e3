// Golden BGP bytes from real daemons. Two modes, chosen by the environment:
//
// - GINGHAM_CAPTURE_GOLDEN=1: regenerate. Runs BIRD 2 <-> FRR (eBGP, FRR in a 4-octet AS) and BIRD 2 <-> GoBGP
//   (iBGP) on loopback with IPv4 and IPv6 unicast, graceful restart (for End-of-RIB), communities and large
//   communities; withdraws routes of both families, asks for route refresh, then shuts each session down with a
//   Cease. tcpdump captures it all; capture.ts reassembles the TCP streams; golden-classify.ts picks one message of
//   each kind per daemon; the files and MANIFEST.json are rewritten in src/bgp/packet/testdata/golden/.
//   Run: GINGHAM_CAPTURE_GOLDEN=1 npx jest --selectProjects e2e --runTestsByPath e2e/capture/golden-capture.test.ts
// - otherwise: one test that the committed fixtures load (loadGolden throws on an empty or inconsistent set), so a
//   lost fixture directory fails CI instead of silently turning the codec's golden test into a no-op.
//
// Why a gated jest file rather than a script: ts-node is not installed and the capture needs the e2e launchers and
// their cleanup (afterAll, PIDs, loopback locks); jest already compiles TypeScript and gives both for free.
import { spawnSync } from 'node:child_process';
import { readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GOLDEN_DIR, loadGolden, readManifest, type GoldenManifest, type GoldenManifestEntry } from '../../src/bgp/packet/testdata/golden';
import { BirdDaemon } from '../lib/bird';
import { Capture, readSegments, reassemble } from '../lib/capture';
import { FrrDaemon } from '../lib/frr';
import { GobgpDaemon } from '../lib/gobgp';
import { pickGolden, type Speaker } from '../lib/golden-classify';
import { allocateLoopbacks, releaseLoopbacks } from '../lib/loopback';
import { cleanupAll, makeWorkDir, sleep, waitFor } from '../lib/process';
import { requireTools } from '../lib/tools';

jest.setTimeout(300000);

const capturing = process.env.GINGHAM_CAPTURE_GOLDEN === '1';

function version(cmd: string, args: string[], re: RegExp): string {
  // BIRD prints its version on stderr, the others on stdout.
  const res = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10000 });
  const out = `${res.stdout}${res.stderr}`;
  const m = re.exec(out);
  if (m?.[1] === undefined) throw new Error(`cannot read the version of ${cmd} from: ${out}`);
  return m[1];
}

const ok = capturing && requireTools('golden capture', ['bird', 'birdc', '/usr/lib/frr/bgpd', 'vtysh', 'gobgpd', 'gobgp', 'tcpdump', 'tshark'], { root: true });

// Regeneration is a tool, not a test: without GINGHAM_CAPTURE_GOLDEN=1 it is not registered at all (rather than shown
// as a skipped test).
if (ok) describe('golden capture (GINGHAM_CAPTURE_GOLDEN=1)', () => {
  afterAll(async () => {
    await cleanupAll();
    releaseLoopbacks();
  });

  it('captures BIRD <-> FRR and BIRD <-> GoBGP sessions and rewrites the golden files', async () => {
    const versions = {
      bird: version('bird', ['--version'], /BIRD version (\S+)/),
      frr: version('/usr/lib/frr/bgpd', ['-v'], /bgpd version (\S+)/),
      gobgp: version('gobgpd', ['--version'], /gobgpd version (\S+)/),
    };
    const [ab, af, ag] = await allocateLoopbacks(3);
    if (ab === undefined || af === undefined || ag === undefined) throw new Error('no loopbacks');
    const BIRD_AS = 65001;
    const FRR_AS = 4200000002;
    const speakers: Speaker[] = [
      { daemon: 'bird', version: versions.bird, address: ab, asn: BIRD_AS },
      { daemon: 'frr', version: versions.frr, address: af, asn: FRR_AS },
      { daemon: 'gobgp', version: versions.gobgp, address: ag, asn: BIRD_AS },
    ];
    const capture = await Capture.start(makeWorkDir('capture'), [ab, af, ag]);

    const bird = await BirdDaemon.start({
      routerId: ab,
      listenAddress: ab,
      asn: BIRD_AS,
      neighbors: [
        { name: 'frr', address: af, asn: FRR_AS, families: ['ipv4', 'ipv6'], gracefulRestart: true },
        { name: 'gobgp', address: ag, asn: BIRD_AS, families: ['ipv4', 'ipv6'], gracefulRestart: true },
      ],
      originate: [
        { prefix: '10.1.0.0/24', communities: ['65001:10', '65001:11'], largeCommunities: ['65001:1:2'], med: 5 },
        { prefix: '10.1.1.0/24' },
        { prefix: '2001:db8:1::/48', communities: ['65001:16'] },
        { prefix: '2001:db8:1:1::/64' },
      ],
    });
    const frr = await FrrDaemon.start({
      routerId: af,
      listenAddress: af,
      asn: FRR_AS,
      neighbors: [{ name: 'bird', address: ab, asn: BIRD_AS, families: ['ipv4', 'ipv6'], gracefulRestart: true }],
      originate: [
        { prefix: '10.2.0.0/24', nextHop: '192.0.2.22', communities: ['65002:20'], largeCommunities: ['4200000002:3:4'], med: 7 },
        { prefix: '10.2.1.0/24', nextHop: '192.0.2.22' },
        { prefix: '2001:db8:2::/48', nextHop: '2001:db8::22', largeCommunities: ['4200000002:6:6'] },
        { prefix: '2001:db8:2:1::/64', nextHop: '2001:db8::22' },
      ],
    });
    const gobgp = await GobgpDaemon.start({
      routerId: ag,
      listenAddress: ag,
      asn: BIRD_AS,
      neighbors: [{ name: 'bird', address: ab, asn: BIRD_AS, families: ['ipv4', 'ipv6'], gracefulRestart: true }],
      originate: [
        { prefix: '10.3.0.0/24', nextHop: '192.0.2.33', communities: ['65003:30'], largeCommunities: ['65003:5:6'], med: 9, localPref: 150 },
        { prefix: '10.3.1.0/24', nextHop: '192.0.2.33' },
        { prefix: '2001:db8:3::/48', nextHop: '2001:db8::33', communities: ['65003:36'] },
        { prefix: '2001:db8:3:1::/64', nextHop: '2001:db8::33' },
      ],
    });
    await bird.waitEstablished('frr');
    await bird.waitEstablished('gobgp');
    const has = async (fam: 'ipv4' | 'ipv6', prefix: string): Promise<boolean> => (await bird.routes({ table: fam })).some((r) => r.prefix === prefix);
    for (const [fam, p] of [['ipv4', '10.2.1.0/24'], ['ipv6', '2001:db8:2:1::/64'], ['ipv4', '10.3.1.0/24'], ['ipv6', '2001:db8:3:1::/64']] as const) {
      await waitFor(() => has(fam, p), 30000, `${p} at BIRD`);
    }
    await waitFor(async () => (await gobgp.routes('ipv4')).some((r) => r.prefix === '10.2.0.0/24'), 30000, 'FRR route reflected to GoBGP');

    // Withdrawals: IPv4 in the Withdrawn Routes field, IPv6 in MP_UNREACH_NLRI, from every daemon.
    await bird.removeRoute('10.1.1.0/24');
    await bird.removeRoute('2001:db8:1:1::/64');
    await frr.removeRoute('10.2.1.0/24');
    await frr.removeRoute('2001:db8:2:1::/64');
    await gobgp.removeRoute('10.3.1.0/24');
    await gobgp.removeRoute('2001:db8:3:1::/64');
    for (const [fam, p] of [['ipv4', '10.2.1.0/24'], ['ipv6', '2001:db8:2:1::/64'], ['ipv4', '10.3.1.0/24'], ['ipv6', '2001:db8:3:1::/64']] as const) {
      await waitFor(async () => !(await has(fam, p)), 30000, `${p} withdrawn at BIRD`);
    }
    await waitFor(async () => !(await frr.routes('ipv4')).some((r) => r.prefix === '10.1.1.0/24'), 30000, '10.1.1.0/24 withdrawn at FRR');

    // ROUTE-REFRESH from BIRD and from FRR.
    await bird.birdc('reload', 'in', 'frr');
    await frr.vtysh(`clear bgp ipv4 unicast ${ab} soft in`);
    await sleep(1000);

    // Cease from each daemon: FRR (with an RFC 9003 shutdown message), GoBGP, then BIRD.
    await frr.vtysh('configure terminal', `router bgp ${FRR_AS}`, `neighbor ${ab} shutdown message golden capture`);
    await waitFor(async () => (await bird.protocolState('frr')).bgpState !== 'Established', 30000, 'BIRD sees FRR shut down');
    await gobgp.gobgp('neighbor', ab, 'disable');
    await waitFor(async () => (await bird.protocolState('gobgp')).bgpState !== 'Established', 30000, 'BIRD sees GoBGP shut down');
    await frr.vtysh('configure terminal', `router bgp ${FRR_AS}`, `no neighbor ${ab} shutdown`);
    await bird.waitEstablished('frr', 60000);
    await bird.birdc('disable', 'frr', '"golden capture"');
    await waitFor(async () => (await frr.neighborState(ab)).state !== 'Established', 30000, 'FRR sees BIRD shut down');
    await sleep(500);
    await capture.stop();

    const streams = reassemble(await readSegments(capture.pcapFile));
    const session = (a: Speaker, b: Speaker): string => {
      const kind = a.asn === b.asn ? 'iBGP' : 'eBGP';
      const d = (s: Speaker): string => `${s.daemon} ${s.version} (AS ${s.asn}, ${s.address})`;
      return `${d(a)} <-> ${d(b)}: ${kind}, IPv4 and IPv6 unicast over one IPv4 TCP session, graceful restart on, no ADD-PATH`;
    };
    const picks = pickGolden(streams, speakers, session);
    expect(picks.length).toBeGreaterThan(10);

    // Keep the hand-written verdicts (canonical, note) of files that keep their name across a re-capture.
    let previous = new Map<string, GoldenManifestEntry>();
    try {
      previous = new Map(readManifest().entries.map((e) => [e.file, e]));
    } catch {
      // first capture: no manifest yet
    }
    const capturedAt = new Date().toISOString();
    for (const f of readdirSync(GOLDEN_DIR).filter((x) => x.endsWith('.hex'))) unlinkSync(join(GOLDEN_DIR, f));
    const entries: GoldenManifestEntry[] = picks.map((p) => ({
      file: p.file,
      source: { daemon: p.daemon, version: p.version },
      type: p.type,
      what: p.what,
      capturedAt,
      session: p.session,
      direction: p.direction,
      codecOptions: p.codecOptions,
      canonical: previous.get(p.file)?.canonical ?? true,
      ...(previous.get(p.file)?.note !== undefined ? { note: previous.get(p.file)?.note } : {}),
    }));
    for (const p of picks) writeFileSync(join(GOLDEN_DIR, p.file), `${p.bytes.toString('hex')}\n`);
    const manifest: GoldenManifest = {
      description:
        'BGP messages captured with tcpdump on lo from real daemon sessions by e2e/capture/golden-capture.test.ts ' +
        '(GINGHAM_CAPTURE_GOLDEN=1); one whole message per file, header included, as hex. canonical=false marks a ' +
        'daemon encoding that is valid but differs from what our encoder produces; see note.',
      entries,
    };
    writeFileSync(join(GOLDEN_DIR, 'MANIFEST.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    expect(loadGolden().length).toBe(picks.length);
  });
});

// Declared after the capture so that, when capturing, it checks the freshly written set.
describe('golden BGP fixtures', () => {
  it('the committed golden set loads: files present, manifest consistent, every header sane', () => {
    const golden = loadGolden();
    expect(golden.length).toBeGreaterThan(0);
    const daemons = new Set(golden.map((g) => g.entry.source.daemon));
    expect([...daemons].sort()).toEqual(['bird', 'frr', 'gobgp']);
  });
});
