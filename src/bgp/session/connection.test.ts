// Connection's write path: TCP_NODELAY, UPDATEs written at the end of the task in batches, held back while the
// socket is backed up, KEEPALIVE and NOTIFICATION never waiting behind them, and a NOTIFICATION that drops what is
// queued and closes with a bounded linger.
import { EventEmitter } from 'node:events';
import { FakeClock } from '../../lib/fake-clock';
import { KEEPALIVE } from '../packet/keepalive';
import { encodeMessage } from '../packet/message';
import { DEFAULT_CODEC_OPTIONS, type BgpMessage } from '../packet/types';
import { Connection, type ConnectionEvents } from './connection';
import type { BgpSocket } from './transport';

/** A socket whose kernel buffer "fills" after `capacity` writes until drain() is called. */
class BackedUpSocket extends EventEmitter implements BgpSocket {
  readonly written: Buffer[] = [];
  noDelay = false;
  ended = false;
  destroyed = false;
  private inFlight = 0;
  readonly localAddress = '127.0.0.1';
  readonly remoteAddress = '127.0.0.2';

  constructor(private readonly capacity: number) {
    super();
  }

  get writableNeedDrain(): boolean {
    return this.inFlight >= this.capacity;
  }

  write(data: Buffer): boolean {
    this.written.push(Buffer.from(data));
    this.inFlight++;
    return !this.writableNeedDrain;
  }

  /** The peer read everything: the buffer empties and 'drain' fires. */
  drain(): void {
    this.inFlight = 0;
    this.emit('drain');
  }

  end(): void {
    this.ended = true;
  }

  destroy(): void {
    this.destroyed = true;
  }

  setNoDelay(noDelay = true): void {
    this.noDelay = noDelay;
  }
}

function events(): ConnectionEvents & { progress: number } {
  const e = {
    progress: 0,
    message: () => undefined,
    protocolError: () => undefined,
    writeProgress: () => {
      e.progress++;
    },
    closed: () => undefined,
  };
  return e;
}

/** Distinct fake UPDATE frames of 4 KiB (the connection does not look inside them). */
function updates(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => {
    const b = Buffer.alloc(4096, i & 0xff);
    b.write(`update-${i}`);
    return b;
  });
}

/** Writes of 64 KiB carry 16 such frames. */
const PER_WRITE = 16;

/** Lets queued microtasks (the connection's deferred write) run. */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const TYPE_OFFSET = 18;
const isKeepalive = (b: Buffer): boolean => b.length === 19 && b[TYPE_OFFSET] === 4;

describe('Connection write path', () => {
  it('sets TCP_NODELAY on its socket', () => {
    const socket = new BackedUpSocket(10);
    new Connection(socket, 'outbound', events(), new FakeClock());
    expect(socket.noDelay).toBe(true);
  });

  it('holds UPDATEs back while the socket is backed up and sends a KEEPALIVE at once, ahead of them', async () => {
    const socket = new BackedUpSocket(3);
    const ev = events();
    const conn = new Connection(socket, 'outbound', ev, new FakeClock());
    conn.sendUpdates(updates(1000));
    // Nothing is written before the end of the task (so UPDATEs of one read leave in one write).
    expect(socket.written).toHaveLength(0);
    await settled();
    // Only what fits before the socket reports back-pressure left the application queue, batched into few writes.
    expect(socket.written).toHaveLength(3);
    expect(socket.written[0]).toHaveLength(PER_WRITE * 4096);
    expect(conn.queuedBytes).toBe((1000 - 3 * PER_WRITE) * 4096);

    conn.sendControl(KEEPALIVE);
    expect(socket.written).toHaveLength(4);
    expect(isKeepalive(socket.written[3] as Buffer)).toBe(true);

    // The rest goes out as the socket drains, in order, and nothing is lost or duplicated.
    for (let i = 0; i < 1000 && conn.queuedBytes > 0; i++) socket.drain();
    const sentUpdates = Buffer.concat(socket.written.filter((b) => !isKeepalive(b)));
    expect(sentUpdates.equals(Buffer.concat(updates(1000)))).toBe(true);
    expect(conn.stats.updatesOut).toBe(1000);
    expect(conn.stats.messagesOut).toBe(1001);
  });

  it('keeps every KEEPALIVE of a long stall ahead of the queued UPDATEs', async () => {
    const socket = new BackedUpSocket(1);
    const conn = new Connection(socket, 'outbound', events(), new FakeClock());
    conn.sendUpdates(updates(50));
    await settled();
    for (let k = 0; k < 5; k++) conn.sendControl(KEEPALIVE);
    // One UPDATE got in before the socket backed up; the five KEEPALIVEs follow it directly.
    expect(socket.written.slice(1).every(isKeepalive)).toBe(true);
    expect(socket.written).toHaveLength(6);
  });

  it('on a NOTIFICATION drops the queued UPDATEs, sends it ahead, ends the socket and destroys it after the linger', async () => {
    const socket = new BackedUpSocket(2);
    const clock = new FakeClock();
    const conn = new Connection(socket, 'outbound', events(), clock);
    conn.sendUpdates(updates(100));
    await settled();
    const notification: BgpMessage = { type: 'notification', code: 6, subcode: 2, data: Buffer.alloc(0) };
    conn.notifyAndClose(notification);
    expect(socket.written).toHaveLength(3);
    expect(socket.written[2]).toEqual(encodeMessage(notification, DEFAULT_CODEC_OPTIONS));
    expect(conn.queuedBytes).toBe(0);
    expect(socket.ended).toBe(true);
    expect(conn.isOpen).toBe(false);
    // Nothing more is written once closing, even when the socket drains.
    socket.drain();
    conn.sendControl(KEEPALIVE);
    conn.sendUpdates(updates(1));
    await settled();
    expect(socket.written).toHaveLength(3);
    expect(socket.destroyed).toBe(false);
    clock.advance(2000);
    expect(socket.destroyed).toBe(true);
  });

  it('reports a reset with its errno name (issue 11: connect and socket errors keep their errno)', () => {
    const socket = new BackedUpSocket(4);
    const closed: string[] = [];
    new Connection(socket, 'outbound', { ...events(), closed: (r) => closed.push(r) }, new FakeClock(0));
    socket.emit('error', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    socket.emit('close', true);
    expect(closed).toEqual(['connection reset (ECONNRESET)']);
  });
});
