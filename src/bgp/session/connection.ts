// One TCP connection of a BGP session: frames and decodes what arrives, and writes what the session sends with two
// queues, so that a KEEPALIVE or NOTIFICATION never waits behind a large burst of UPDATEs. UPDATEs are handed to the
// socket only while it is not backed up (writableNeedDrain false); control messages jump the application queue.
// It knows nothing of the FSM: it reports messages, errors and the close to its owner.
import type { BgpSocket } from './transport';
import { Framer } from '../packet/framer';
import { decodeMessage, encodeMessage } from '../packet/message';
import { BgpError } from '../packet/bgp-error';
import type { BgpMessage, CodecOptions, DecodedUpdate, NotificationMessage } from '../packet/types';
import { DEFAULT_CODEC_OPTIONS } from '../packet/types';
import type { Clock, TimerHandle } from '../../lib/clock';

export type Direction = 'outbound' | 'inbound';

export interface ConnectionEvents {
  message(msg: BgpMessage, update: DecodedUpdate | undefined): void;
  /** A framing or decoding error that must end the session (a BgpError with handling 'session-reset'). */
  protocolError(err: BgpError): void;
  /** Bytes left the application for the socket without blocking (drives the RFC 9687 send hold timer). */
  writeProgress(): void;
  closed(reason: string): void;
}

export interface ConnectionStats {
  messagesIn: number;
  messagesOut: number;
  updatesIn: number;
  updatesOut: number;
  bytesIn: number;
  bytesOut: number;
}

/** How long a NOTIFICATION gets to leave before the socket is destroyed anyway. */
const NOTIFICATION_LINGER_MS = 2000;
/** Most octets of queued UPDATEs handed to the socket in one write. */
const WRITE_BATCH = 64 * 1024;
const EMPTY = Buffer.alloc(0);

export class Connection {
  private readonly framer = new Framer();
  private codec: CodecOptions = DEFAULT_CODEC_OPTIONS;
  private readonly bulk: Buffer[] = [];
  private bulkHead = 0;
  private closing = false;
  private pumpQueued = false;
  private closed = false;
  private lingerTimer: TimerHandle | undefined;
  private errorCode: string | undefined;
  readonly stats: ConnectionStats = { messagesIn: 0, messagesOut: 0, updatesIn: 0, updatesOut: 0, bytesIn: 0, bytesOut: 0 };

  constructor(
    private readonly socket: BgpSocket,
    readonly direction: Direction,
    private readonly events: ConnectionEvents,
    private readonly clock: Clock,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('drain', () => {
      this.events.writeProgress();
      this.pump();
    });
    // The 'close' that follows reports the error, with its errno name (ECONNRESET, ETIMEDOUT, EPIPE).
    socket.on('error', (err: Error & { code?: unknown }) => {
      if (typeof err.code === 'string') this.errorCode = err.code;
    });
    socket.on('close', (hadError) =>
      this.onClose(hadError ? `connection reset${this.errorCode !== undefined ? ` (${this.errorCode})` : ''}` : 'connection closed by peer'),
    );
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }
  get localAddress(): string {
    return this.socket.localAddress ?? '';
  }
  get isOpen(): boolean {
    return !this.closed && !this.closing;
  }
  /** UPDATE bytes waiting in the application queue (not yet handed to the socket). */
  get queuedBytes(): number {
    let n = 0;
    for (let i = this.bulkHead; i < this.bulk.length; i++) n += this.bulk[i]?.length ?? 0;
    return n;
  }

  /** Applies what the OPENs negotiated to decoding and framing from now on. */
  setCodecOptions(opts: CodecOptions): void {
    this.codec = opts;
    this.framer.setExtendedMessage(opts.extendedMessage);
  }

  get codecOptions(): CodecOptions {
    return this.codec;
  }

  /** OPEN, KEEPALIVE, NOTIFICATION, ROUTE-REFRESH: written at once, ahead of any queued UPDATE. */
  sendControl(msg: BgpMessage): void {
    if (!this.isOpen) return;
    const bytes = encodeMessage(msg, this.codec);
    this.stats.messagesOut++;
    this.stats.bytesOut += bytes.length;
    if (this.socket.write(bytes)) this.events.writeProgress();
  }

  /** Whole UPDATE messages (with headers), queued and written as the socket drains. */
  sendUpdates(messages: readonly Buffer[]): void {
    if (!this.isOpen) return;
    for (const m of messages) this.bulk.push(m);
    // The write waits for the end of the current task: every UPDATE received in one read of the socket produces
    // its own small batch of UPDATEs out, and they leave together in one write instead of one write each.
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.bulkHead < this.bulk.length && !this.socket.writableNeedDrain && this.isOpen) {
      // Consecutive UPDATEs go to the socket in one write of up to WRITE_BATCH octets: a full table is some 250,000
      // messages of 4 KiB, and a write per message costs more than the copy that joins them.
      let end = this.bulkHead;
      let bytes = 0;
      while (end < this.bulk.length && (end === this.bulkHead || bytes + (this.bulk[end] as Buffer).length <= WRITE_BATCH)) {
        bytes += (this.bulk[end] as Buffer).length;
        end++;
      }
      const count = end - this.bulkHead;
      const chunk = count === 1 ? (this.bulk[this.bulkHead] as Buffer) : Buffer.concat(this.bulk.slice(this.bulkHead, end), bytes);
      for (let i = this.bulkHead; i < end; i++) this.bulk[i] = EMPTY;
      this.bulkHead = end;
      this.stats.messagesOut += count;
      this.stats.updatesOut += count;
      this.stats.bytesOut += bytes;
      this.socket.write(chunk);
    }
    if (!this.socket.writableNeedDrain) this.events.writeProgress();
    if (this.bulkHead === this.bulk.length) {
      this.bulk.length = 0;
      this.bulkHead = 0;
    } else if (this.bulkHead > 4096) {
      this.bulk.splice(0, this.bulkHead);
      this.bulkHead = 0;
    }
  }

  /** RFC 4271 §6: send the NOTIFICATION, then close. Queued UPDATEs are dropped. */
  notifyAndClose(notification: NotificationMessage): void {
    if (!this.isOpen) return;
    this.bulk.length = 0;
    this.bulkHead = 0;
    this.sendControl(notification);
    this.closing = true;
    this.socket.end();
    this.lingerTimer = this.clock.setTimeout(() => this.socket.destroy(), NOTIFICATION_LINGER_MS);
  }

  /** Drops the connection without a NOTIFICATION (the FSM's "drop the TCP connection"). */
  drop(): void {
    // After notifyAndClose the socket is ending gracefully so the NOTIFICATION gets out; the linger timer bounds it.
    if (this.closed || this.closing) return;
    this.closing = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.closing) return;
    this.stats.bytesIn += chunk.length;
    let frames: Buffer[];
    try {
      frames = this.framer.push(chunk);
    } catch (err) {
      this.reportError(err);
      return;
    }
    for (const frame of frames) {
      if (this.closed || this.closing) return;
      let decoded;
      try {
        decoded = decodeMessage(frame, this.codec);
      } catch (err) {
        this.reportError(err);
        return;
      }
      this.stats.messagesIn++;
      // RFC 7313 §5: a ROUTE-REFRESH with an unknown subtype is ignored; it does not reach the FSM.
      if (decoded.ignore !== undefined) continue;
      if (decoded.message.type === 'update') this.stats.updatesIn++;
      this.events.message(decoded.message, decoded.update);
    }
  }

  private reportError(err: unknown): void {
    if (err instanceof BgpError) {
      this.events.protocolError(err);
      return;
    }
    // The codec throws only BgpError; anything else is a bug, reported as a reset rather than a crash.
    this.events.protocolError(new BgpError(6, 0, `internal error decoding message: ${String(err)}`));
  }

  private onClose(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.lingerTimer?.cancel();
    this.bulk.length = 0;
    this.bulkHead = 0;
    this.events.closed(this.closing ? 'connection closed' : reason);
  }
}
