// A BGP peer that sends exactly the bytes a test gives it, for feeding malformed messages to a speaker and seeing
// what it answers (NOTIFICATION code/subcode, or nothing and the session stays up).
//
// Why not ExaBGP: 4.2.21's API can only announce what its own encoder can express ("announce route/attribute/
// eor/route-refresh", with raw *attribute* values at most); it cannot send a broken header, a wrong length or an
// attribute list that does not parse, which are exactly the cases under test. Why not scapy: it is not installed
// for the Python on PATH, and a Python helper would add a process and a protocol between the test and the bytes.
// So this is a small TCP client/server on node:net with its own framing, independent of src/bgp/packet (the codec
// under test must not be the tool that judges it).
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { waitFor } from './process';

const MARKER = Buffer.alloc(16, 0xff);

export const MSG = { OPEN: 1, UPDATE: 2, NOTIFICATION: 3, KEEPALIVE: 4, ROUTE_REFRESH: 5 } as const;

export interface RawFrame {
  readonly type: number;
  /** The whole message, header included. */
  readonly bytes: Buffer;
  /** For NOTIFICATION: code, subcode and data. */
  readonly notification?: { readonly code: number; readonly subcode: number; readonly data: Buffer };
}

/** Header + body with the length field filled in. `lengthOverride` writes a wrong length on purpose. */
export function frame(type: number, body: Buffer, lengthOverride?: number): Buffer {
  const head = Buffer.alloc(19);
  MARKER.copy(head, 0);
  head.writeUInt16BE(lengthOverride ?? 19 + body.length, 16);
  head.writeUInt8(type, 18);
  return Buffer.concat([head, body]);
}

export function fromHex(hex: string): Buffer {
  const clean = hex.replace(/[\s:]/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`not hex: ${hex.slice(0, 40)}`);
  return Buffer.from(clean, 'hex');
}

function ipv4Bytes(addr: string): Buffer {
  const parts = addr.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`bad IPv4 ${addr}`);
  return Buffer.from(parts);
}

export interface OpenSpec {
  readonly asn: number;
  readonly routerId: string;
  readonly holdTime?: number;
  /** AFI/SAFI pairs for multiprotocol capabilities; default IPv4 unicast only. */
  readonly families?: ReadonlyArray<readonly [number, number]>;
  /** Send the four-octet-as capability (default true). */
  readonly fourOctetAs?: boolean;
  /** Extra raw capability TLVs (code, length, value). */
  readonly extraCapabilities?: readonly Buffer[];
}

/** An OPEN (RFC 4271 §4.2) with capabilities in one optional parameter (RFC 5492). */
export function buildOpen(o: OpenSpec): Buffer {
  const caps: Buffer[] = [];
  for (const [afi, safi] of o.families ?? [[1, 1]]) {
    const v = Buffer.alloc(4);
    v.writeUInt16BE(afi, 0);
    v.writeUInt8(safi, 3);
    caps.push(Buffer.concat([Buffer.from([1, 4]), v]));
  }
  if (o.fourOctetAs !== false) {
    const v = Buffer.alloc(4);
    v.writeUInt32BE(o.asn, 0);
    caps.push(Buffer.concat([Buffer.from([65, 4]), v]));
  }
  caps.push(...(o.extraCapabilities ?? []));
  const capBytes = Buffer.concat(caps);
  const param = Buffer.concat([Buffer.from([2, capBytes.length]), capBytes]);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt8(4, 0);
  fixed.writeUInt16BE(o.asn > 0xffff ? 23456 : o.asn, 1);
  fixed.writeUInt16BE(o.holdTime ?? 90, 3);
  ipv4Bytes(o.routerId).copy(fixed, 5);
  fixed.writeUInt8(param.length, 9);
  return frame(MSG.OPEN, Buffer.concat([fixed, param]));
}

export function buildKeepalive(): Buffer {
  return frame(MSG.KEEPALIVE, Buffer.alloc(0));
}

/** An UPDATE from its three raw parts (RFC 4271 §4.3); each part is given as bytes, lengths are filled in. */
export function buildUpdate(withdrawn: Buffer, attributes: Buffer, nlri: Buffer): Buffer {
  const wl = Buffer.alloc(2);
  wl.writeUInt16BE(withdrawn.length);
  const al = Buffer.alloc(2);
  al.writeUInt16BE(attributes.length);
  return frame(MSG.UPDATE, Buffer.concat([wl, withdrawn, al, attributes, nlri]));
}

/** One path attribute TLV; uses the extended-length flag when the value needs it. */
export function attr(flags: number, type: number, value: Buffer): Buffer {
  if (value.length > 255 || (flags & 0x10) !== 0) {
    const h = Buffer.alloc(4);
    h.writeUInt8(flags | 0x10, 0);
    h.writeUInt8(type, 1);
    h.writeUInt16BE(value.length, 2);
    return Buffer.concat([h, value]);
  }
  return Buffer.concat([Buffer.from([flags, type, value.length]), value]);
}

/** An IPv4 NLRI field entry, e.g. "10.9.0.0/24". */
export function ipv4Nlri(prefix: string): Buffer {
  const [addr, lenText] = prefix.split('/');
  const len = Number(lenText);
  const bytes = ipv4Bytes(addr ?? '').subarray(0, Math.ceil(len / 8));
  return Buffer.concat([Buffer.from([len]), bytes]);
}

function parseFrames(buf: Buffer): { frames: RawFrame[]; rest: Buffer } {
  const frames: RawFrame[] = [];
  let off = 0;
  while (buf.length - off >= 19) {
    const len = buf.readUInt16BE(off + 16);
    if (len < 19) throw new Error(`peer sent a header with length ${len}`);
    if (buf.length - off < len) break;
    const bytes = Buffer.from(buf.subarray(off, off + len));
    const type = bytes.readUInt8(18);
    const notification =
      type === MSG.NOTIFICATION && len >= 21
        ? { code: bytes.readUInt8(19), subcode: bytes.readUInt8(20), data: Buffer.from(bytes.subarray(21)) }
        : undefined;
    frames.push({ type, bytes, notification });
    off += len;
  }
  return { frames, rest: Buffer.from(buf.subarray(off)) };
}

const livePeers = new Set<RawBgpPeer>();
const liveServers = new Set<Server>();

export class RawBgpPeer {
  /** Every message received, in order. */
  readonly received: RawFrame[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private isClosed = false;
  private readIndex = 0;
  private framingError?: string;

  private constructor(private readonly socket: Socket) {
    livePeers.add(this);
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      try {
        const { frames, rest } = parseFrames(this.pending);
        this.pending = rest;
        this.received.push(...frames);
      } catch (err) {
        this.framingError = err instanceof Error ? err.message : String(err);
        socket.destroy();
      }
    });
    socket.on('close', () => {
      this.isClosed = true;
      livePeers.delete(this);
    });
    socket.on('error', () => {
      this.isClosed = true;
    });
  }

  /** Connects from localAddress to remote:port; bounded by timeoutMs. */
  static connect(o: { localAddress: string; remoteAddress: string; port?: number; timeoutMs?: number }): Promise<RawBgpPeer> {
    return new Promise((resolve, reject) => {
      const s = createConnection({ host: o.remoteAddress, port: o.port ?? 179, localAddress: o.localAddress });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`connect to ${o.remoteAddress} timed out`));
      }, o.timeoutMs ?? 5000);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(new RawBgpPeer(s));
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** Listens on address:port and resolves with the first connection accepted within timeoutMs; closes the listener. */
  static accept(o: { address: string; port?: number; timeoutMs?: number }): Promise<RawBgpPeer> {
    return new Promise((resolve, reject) => {
      const srv = createServer();
      liveServers.add(srv);
      const done = (): void => {
        clearTimeout(timer);
        srv.close();
        liveServers.delete(srv);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no connection to ${o.address} within ${o.timeoutMs ?? 30000} ms`));
      }, o.timeoutMs ?? 30000);
      srv.once('connection', (s) => {
        done();
        resolve(new RawBgpPeer(s));
      });
      srv.once('error', (err) => {
        done();
        reject(err);
      });
      srv.listen({ host: o.address, port: o.port ?? 179 });
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  send(bytes: Buffer | string): void {
    this.socket.write(typeof bytes === 'string' ? fromHex(bytes) : bytes);
  }

  /** The next message not yet returned by nextMessage (optionally of a given type, skipping others). */
  async nextMessage(timeoutMs: number, type?: number): Promise<RawFrame> {
    return waitFor(
      () => {
        while (this.readIndex < this.received.length) {
          const f = this.received[this.readIndex++];
          if (f !== undefined && (type === undefined || f.type === type)) return f;
        }
        if (this.framingError !== undefined) throw new Error(this.framingError);
        if (this.isClosed) throw new Error('connection closed');
        return undefined;
      },
      timeoutMs,
      `a BGP message${type === undefined ? '' : ` of type ${type}`}`,
      20,
    );
  }

  /** OPEN, wait for the peer's OPEN, KEEPALIVE, wait for its KEEPALIVE: the session is Established on both sides. */
  async establish(open: OpenSpec, timeoutMs = 15000): Promise<RawFrame> {
    this.send(buildOpen(open));
    const theirOpen = await this.nextMessage(timeoutMs);
    if (theirOpen.type !== MSG.OPEN) throw new Error(`expected OPEN, got type ${theirOpen.type}`);
    this.send(buildKeepalive());
    const ka = await this.nextMessage(timeoutMs);
    if (ka.type !== MSG.KEEPALIVE) throw new Error(`expected KEEPALIVE, got type ${ka.type} ${ka.bytes.toString('hex')}`);
    return theirOpen;
  }

  /** Stops reading (a peer that vanished: nothing is acknowledged by the application, nothing is closed). */
  stopReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    this.socket.resume();
  }

  async waitClosed(timeoutMs: number): Promise<void> {
    await waitFor(() => this.isClosed, timeoutMs, 'the peer to close the connection', 20);
  }

  close(): void {
    this.socket.destroy();
    livePeers.delete(this);
  }
}

/** Closes every raw peer and listener still open; call in afterAll. */
export function closeAllRawPeers(): void {
  for (const p of livePeers) p.close();
  for (const s of liveServers) s.close();
  liveServers.clear();
}
