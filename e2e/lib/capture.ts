// Packet capture of BGP sessions on lo for golden-byte fixtures: tcpdump writes a pcap (started and stopped by PID
// through process.ts), tshark turns it into one line per TCP segment with payload (flow, raw sequence number, hex),
// and this module reassembles each direction's byte stream by sequence number and cuts it into BGP messages.
// It decodes nothing beyond the 19-octet header and an attribute type list: judging the messages is the codec's job.
import { join } from 'node:path';
import { runOk, spawnDaemon, stopProcess, waitFor, type ManagedProcess } from './process';

export const TCPDUMP_BIN = process.env.TCPDUMP_BIN ?? 'tcpdump';
export const TSHARK_BIN = process.env.TSHARK_BIN ?? 'tshark';

export class Capture {
  private constructor(
    readonly pcapFile: string,
    private readonly proc: ManagedProcess,
  ) {}

  /** Starts tcpdump on lo for TCP port 179 between the given addresses; resolves once it is listening. */
  static async start(workDir: string, addresses: readonly string[]): Promise<Capture> {
    const pcapFile = join(workDir, 'bgp.pcap');
    const hosts = addresses.map((a) => `host ${a}`).join(' or ');
    const proc = spawnDaemon({
      name: 'tcpdump',
      cmd: TCPDUMP_BIN,
      // -U: write each packet as it arrives, so stopping loses nothing; -s 0: whole packets.
      args: ['-i', 'lo', '-n', '-s', '0', '-U', '-w', pcapFile, `tcp port 179 and (${hosts})`],
      workDir,
    });
    await waitFor(
      () => {
        if (proc.exited()) throw new Error(`tcpdump exited: ${proc.logTail()}`);
        return proc.logTail().includes('listening on');
      },
      10000,
      'tcpdump to listen',
      50,
    );
    return new Capture(pcapFile, proc);
  }

  async stop(): Promise<void> {
    await stopProcess(this.proc.pid);
  }
}

export interface TcpSegment {
  readonly src: string;
  readonly sport: number;
  readonly dst: string;
  readonly dport: number;
  readonly seq: number;
  readonly payload: Buffer;
}

/** One direction of one TCP connection, with the BGP messages it carried in order. */
export interface BgpStream {
  readonly src: string;
  readonly sport: number;
  readonly dst: string;
  readonly dport: number;
  readonly messages: Buffer[];
  /** Octets at the end that did not form a whole message (a capture cut mid-message). */
  readonly trailing: number;
}

export async function readSegments(pcapFile: string): Promise<TcpSegment[]> {
  const out = await runOk(
    TSHARK_BIN,
    ['-r', pcapFile, '-n', '-Y', 'tcp.len > 0', '-T', 'fields', '-E', 'separator=/t', '-e', 'ip.src', '-e', 'tcp.srcport', '-e', 'ip.dst', '-e', 'tcp.dstport', '-e', 'tcp.seq_raw', '-e', 'tcp.payload'],
    60000,
  );
  const segs: TcpSegment[] = [];
  for (const line of out.split('\n')) {
    const f = line.split('\t');
    if (f.length < 6 || f[5] === undefined || f[5] === '') continue;
    segs.push({ src: f[0] ?? '', sport: Number(f[1]), dst: f[2] ?? '', dport: Number(f[3]), seq: Number(f[4]), payload: Buffer.from((f[5] ?? '').replace(/:/g, ''), 'hex') });
  }
  return segs;
}

/**
 * Reassembles each direction by raw sequence number (retransmissions and overlaps dropped, 32-bit wrap handled
 * relative to the first segment) and splits the stream at BGP header lengths. A gap in sequence numbers ends the
 * stream there (the capture lost a packet); what was before the gap is still returned.
 */
export function reassemble(segs: readonly TcpSegment[]): BgpStream[] {
  const flows = new Map<string, TcpSegment[]>();
  for (const s of segs) {
    const k = `${s.src}|${s.sport}|${s.dst}|${s.dport}`;
    const list = flows.get(k) ?? [];
    list.push(s);
    flows.set(k, list);
  }
  const streams: BgpStream[] = [];
  for (const list of flows.values()) {
    const first = list[0];
    if (first === undefined) continue;
    // Sequence numbers wrap and segments arrive out of order: measure each from the first one seen as a signed
    // distance (within 2^31 either way), then count from the earliest.
    const signed = (s: TcpSegment): number => ((s.seq - first.seq + 2 ** 32 + 2 ** 31) % 2 ** 32) - 2 ** 31;
    const earliest = list.reduce((m, s) => Math.min(m, signed(s)), 0);
    const rel = (s: TcpSegment): number => signed(s) - earliest;
    const sorted = [...list].sort((a, b) => rel(a) - rel(b));
    const parts: Buffer[] = [];
    let next = rel(sorted[0] ?? first);
    for (const s of sorted) {
      const r = rel(s);
      if (r > next) break;
      const skip = next - r;
      if (skip >= s.payload.length) continue;
      parts.push(s.payload.subarray(skip));
      next += s.payload.length - skip;
    }
    const bytes = Buffer.concat(parts);
    const messages: Buffer[] = [];
    let off = 0;
    while (bytes.length - off >= 19) {
      const len = bytes.readUInt16BE(off + 16);
      if (len < 19 || bytes.length - off < len) break;
      messages.push(Buffer.from(bytes.subarray(off, off + len)));
      off += len;
    }
    streams.push({ src: first.src, sport: first.sport, dst: first.dst, dport: first.dport, messages, trailing: bytes.length - off });
  }
  return streams;
}

/** Path attribute type codes of an UPDATE in wire order (no value checks). Empty for other messages. */
export function updateAttributeTypes(msg: Buffer): number[] {
  if (msg.length < 23 || msg[18] !== 2) return [];
  const wl = msg.readUInt16BE(19);
  const alOff = 21 + wl;
  if (alOff + 2 > msg.length) return [];
  const al = msg.readUInt16BE(alOff);
  const types: number[] = [];
  let off = alOff + 2;
  const end = Math.min(msg.length, off + al);
  while (off + 3 <= end) {
    const flags = msg[off] ?? 0;
    const type = msg[off + 1] ?? 0;
    const ext = (flags & 0x10) !== 0;
    const len = ext ? msg.readUInt16BE(off + 2) : (msg[off + 2] ?? 0);
    types.push(type);
    off += (ext ? 4 : 3) + len;
  }
  return types;
}

/** Capability codes in an OPEN (RFC 5492 optional parameter 2), in wire order. */
export function openCapabilityCodes(msg: Buffer): number[] {
  if (msg.length < 29 || msg[18] !== 1) return [];
  const optLen = msg[28] ?? 0;
  const codes: number[] = [];
  let off = 29;
  const end = Math.min(msg.length, 29 + optLen);
  while (off + 2 <= end) {
    const ptype = msg[off] ?? 0;
    const plen = msg[off + 1] ?? 0;
    if (ptype === 2) {
      let c = off + 2;
      while (c + 2 <= off + 2 + plen) {
        codes.push(msg[c] ?? 0);
        c += 2 + (msg[c + 1] ?? 0);
      }
    }
    off += 2 + plen;
  }
  return codes;
}

/** Withdrawn-routes and NLRI field lengths of an UPDATE (octets). */
export function updateFieldLengths(msg: Buffer): { withdrawn: number; attributes: number; nlri: number } {
  const wl = msg.readUInt16BE(19);
  const al = msg.readUInt16BE(21 + wl);
  return { withdrawn: wl, attributes: al, nlri: msg.length - 23 - wl - al };
}
