// `gingham bgp run` as an operator runs it: configuration errors name their field (no stack trace), the status
// socket is mode 0600 and `gingham bgp status` / `gingham bgp routes --peer` print their tables from it, OPENs
// with a forbidden hold time or BGP identifier get the right OPEN error, and SIGTERM ends every session with
// Cease / Administrative Shutdown and its RFC 9003 message, removes the socket and exits 0. The neighbours are
// sessions of the scapy peer (scapy-peer.ts), so what Gingham put on the wire is read by another codec.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { allocateLoopbacks, releaseLoopbacks } from '../lib/loopback';
import { cleanupAll } from '../lib/process';
import { requireScapy, ScapyBgpPeer } from '../lib/scapy-peer';
import { describeIf, requireTools } from '../lib/tools';
import { GinghamSpeaker } from './gingham';

const ok = requireTools('gingham bgp run process', [], { root: true }) && requireScapy('gingham bgp run process');

const BIN = path.join(process.env.GINGHAM_DIST ?? path.join(__dirname, '..', '..', 'dist'), 'cmd', 'gingham.js');
const WAIT_MS = 20000;

function gingham(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 15000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describeIf(ok)('gingham bgp run: configuration errors', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gingham-config-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const cases: Array<{ name: string; yaml: string; args?: string[]; want: string }> = [
    { name: 'a peer AS that is not a number', yaml: 'asNumber: 65000\nrouterId: 10.0.0.1\npeers:\n  - address: 10.0.0.2\n    asNumber: abc\n', want: 'peers[0].asNumber: must be an AS number' },
    { name: 'a misspelt field', yaml: 'asNumber: 65000\nrouterId: 10.0.0.1\npeers:\n  - address: 10.0.0.2\n    asNumber: 65001\n    holdtime: 9\n', want: 'peers[0].holdtime: unknown field' },
    { name: 'a hold time of 2 s', yaml: 'asNumber: 65000\nrouterId: 10.0.0.1\npeers:\n  - address: 10.0.0.2\n    asNumber: 65001\n    holdTime: 2\n', want: 'peers[0].holdTime: must be 0 or at least 3' },
    { name: 'a missing routerId', yaml: 'asNumber: 65000\n', want: 'routerId' },
    { name: 'an originated prefix with host bits', yaml: 'asNumber: 65000\nrouterId: 10.0.0.1\noriginate:\n  - prefix: 10.0.0.1/24\n', want: 'originate[0].prefix' },
    { name: 'an unknown log format', yaml: 'asNumber: 65000\nrouterId: 10.0.0.1\n', args: ['--log-format', 'xml'], want: '--log-format: must be text or json' },
    { name: 'an unknown log level', yaml: 'asNumber: 65000\nrouterId: 10.0.0.1\n', args: ['--log-level', 'info,bgp=loud'], want: 'log level "bgp=loud"' },
  ];

  it.each(cases)('rejects $name at start, naming it', ({ name, yaml, args, want }) => {
    const file = path.join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
    fs.writeFileSync(file, yaml);
    const res = gingham(['bgp', 'run', '-c', file, ...(args ?? [])]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(want);
    expect(res.stderr).not.toMatch(/^\s+at /m); // no stack trace
  });
});

describeIf(ok)('gingham bgp run: status socket, tables, OPEN checks and SIGTERM', () => {
  let g: GinghamSpeaker | undefined;
  let peer: ScapyBgpPeer;
  let addrs: string[] = [];
  let gAddr: string;
  let up: string;
  let badHold: string;
  let zeroId: string;

  beforeAll(async () => {
    addrs = await allocateLoopbacks(4);
    [gAddr, up, badHold, zeroId] = addrs as [string, string, string, string];
    peer = await ScapyBgpPeer.start();
    for (const a of addrs.slice(1)) await peer.listen(a, a);
    g = await GinghamSpeaker.start({
      asNumber: 65000,
      routerId: gAddr,
      listen: { address: gAddr },
      peers: [
        { address: up, asNumber: 65099, localAddress: gAddr, name: 'upstream' },
        { address: badHold, asNumber: 65099, localAddress: gAddr },
        { address: zeroId, asNumber: 65099, localAddress: gAddr },
      ],
      originate: [{ prefix: '10.90.0.0/24', nextHop: '192.0.2.90', communities: ['65000:90'] }],
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

  it('serves the status API on a unix socket of mode 0600', () => {
    const st = fs.statSync(speaker().socket);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
  });

  it('answers an OPEN with hold time 2 with OPEN Message Error / Unacceptable Hold Time (RFC 4271 §6.2)', async () => {
    await peer.nextMessage(badHold, 'OPEN', WAIT_MS);
    await peer.sendOpen(badHold, { asn: 65099, routerId: badHold, holdTime: 2 });
    const n = await peer.nextMessage(badHold, 'NOTIFICATION', WAIT_MS);
    expect({ code: n.code, subcode: n.subcode }).toEqual({ code: 2, subcode: 6 });
    const s = speaker();
    await s.waitFor(() => (s.peer(badHold)?.info ?? '').includes('BGP Error: OPEN Message Error / Unacceptable Hold Time'), WAIT_MS, 'status info');
  });

  it('answers an OPEN with BGP identifier 0.0.0.0 with OPEN Message Error / Bad BGP Identifier (RFC 6286 §2.2)', async () => {
    await peer.nextMessage(zeroId, 'OPEN', WAIT_MS);
    await peer.sendOpen(zeroId, { asn: 65099, routerId: '0.0.0.0' });
    const n = await peer.nextMessage(zeroId, 'NOTIFICATION', WAIT_MS);
    expect({ code: n.code, subcode: n.subcode }).toEqual({ code: 2, subcode: 3 });
    const s = speaker();
    await s.waitFor(() => (s.peer(zeroId)?.info ?? '').includes('BGP Error: OPEN Message Error / Bad BGP Identifier'), WAIT_MS, 'status info');
  });

  it('prints `gingham bgp status` and `gingham bgp routes --peer` tables', async () => {
    const open = await peer.establish(up, { asn: 65099, routerId: up });
    expect(open.asn).toBe(65000);
    await peer.update(up, {
      attrs: [
        { name: 'origin', value: 0 },
        { name: 'as_path', asns: [65099] },
        { name: 'next_hop', value: '192.0.2.91' },
        { name: 'communities', values: [0xfe4b0007] },
      ],
      nlri: ['10.91.0.0/24'],
    });
    const s = speaker();
    await s.waitFor(() => s.routes(up).length === 1, WAIT_MS, 'the route from upstream');
    const status = gingham(['bgp', 'status', '--socket', s.socket]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`BGP speaker AS 65000, router ID ${gAddr}`);
    for (const col of ['PEER', 'AS', 'STATE', 'SINCE', 'INFO', 'RECEIVED', 'SENT']) expect(status.stdout).toContain(col);
    const row = status.stdout.split('\n').find((l) => l.includes(up));
    expect(row).toMatch(/65099.*Established/);
    const routes = gingham(['bgp', 'routes', '--socket', s.socket, '--peer', 'upstream']);
    expect(routes.code).toBe(0);
    expect(routes.stdout).toMatch(/10\.91\.0\.0\/24.*192\.0\.2\.91.*65099.*65099:7/);
    // Our own route reached the peer, read with scapy: AS_PATH [65000] and COMMUNITIES 65000:90. (Which NEXT_HOP an
    // eBGP peer gets is export policy, tested with the routing layer.)
    const sent = peer.messages(up, 'UPDATE').find((m) => (m.nlri ?? []).includes('10.90.0.0/24'));
    const attr = (t: number): string | undefined => sent?.attrs?.find((a) => a.type === t)?.hex;
    expect(attr(2)).toBe('02010000fde8');
    expect(attr(8)).toBe('fde8005a');
    expect(attr(3)).toHaveLength(8);
    const down = gingham(['bgp', 'status', '--socket', path.join(path.dirname(s.socket), 'nothing.sock')]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach the speaker');
    expect(down.stderr).not.toMatch(/^\s+at /m);
  });

  it('on SIGTERM sends Cease / Administrative Shutdown with an RFC 9003 message, removes its socket and exits 0', async () => {
    const s = speaker();
    s.signal('SIGTERM');
    const n = await peer.nextMessage(up, 'NOTIFICATION', WAIT_MS);
    expect({ code: n.code, subcode: n.subcode }).toEqual({ code: 6, subcode: 2 });
    // RFC 9003 §2: a length octet, then that many octets of UTF-8.
    const data = Buffer.from(n.data ?? '', 'hex');
    expect(data.length).toBeGreaterThan(1);
    expect(data[0]).toBe(data.length - 1);
    expect(data.subarray(1).toString('utf8')).toBe('speaker shutting down');
    await peer.waitClosed(up);
    expect(await s.waitExit(10000)).toBe(0);
    expect(fs.existsSync(s.socket)).toBe(false);
  });
});
