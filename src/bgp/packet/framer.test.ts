import fc from 'fast-check';
import { BgpError } from './bgp-error';
import { ErrorCode, HeaderSubcode, MessageType } from './constants';
import { Framer } from './framer';
import { frameMessage, readHeader } from './header';

const MARKER = 'ff'.repeat(16);

function header(length: number, type: number): Buffer {
  return Buffer.from(`${MARKER}${length.toString(16).padStart(4, '0')}${type.toString(16).padStart(2, '0')}`, 'hex');
}

function caught(fn: () => unknown): BgpError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BgpError) return err;
    throw err;
  }
  throw new Error('expected a BgpError, nothing was thrown');
}

// A KEEPALIVE, an OPEN with no parameters, and a ROUTE-REFRESH: 19 + 29 + 23 octets.
const keepalive = frameMessage(MessageType.Keepalive, Buffer.alloc(0), false);
const open = frameMessage(MessageType.Open, Buffer.from('04fde8005a0a000001' + '00', 'hex'), false);
const refresh = frameMessage(MessageType.RouteRefresh, Buffer.from('00010001', 'hex'), false);
const stream = Buffer.concat([keepalive, open, refresh]);

describe('Framer', () => {
  it('returns whole messages from one chunk holding three', () => {
    expect(new Framer().push(stream)).toEqual([keepalive, open, refresh]);
  });

  it('gives the same frames for a split at every byte boundary', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const f = new Framer();
      const got = [...f.push(stream.subarray(0, cut)), ...f.push(stream.subarray(cut))];
      expect(got).toEqual([keepalive, open, refresh]);
      expect(f.bufferedBytes).toBe(0);
    }
  });

  it('gives the same frames for every pair of split points', () => {
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b++) {
        const f = new Framer();
        const got = [...f.push(stream.subarray(0, a)), ...f.push(stream.subarray(a, b)), ...f.push(stream.subarray(b))];
        expect(got).toEqual([keepalive, open, refresh]);
      }
    }
  });

  it('handles one octet at a time and returns each frame as soon as it is complete', () => {
    const f = new Framer();
    const completedAt: number[] = [];
    for (let i = 0; i < stream.length; i++) {
      if (f.push(stream.subarray(i, i + 1)).length > 0) completedAt.push(i + 1);
    }
    expect(completedAt).toEqual([19, 48, 71]);
  });

  it('returns frames that do not share memory with the pushed chunks', () => {
    const chunk = Buffer.from(keepalive);
    const [frame] = new Framer().push(chunk);
    chunk.fill(0);
    expect(frame).toEqual(keepalive);
  });

  it('reports a bad header as soon as 19 octets are in, without waiting for the body', () => {
    const f = new Framer();
    expect(f.push(header(5000, MessageType.Update).subarray(0, 18))).toEqual([]);
    const err = caught(() => f.push(Buffer.from([MessageType.Update])));
    expect(err.subcode).toBe(HeaderSubcode.BadMessageLength);
  });

  it('keeps failing with the same error after a bad header', () => {
    const f = new Framer();
    const first = caught(() => f.push(Buffer.alloc(19)));
    expect(caught(() => f.push(keepalive))).toBe(first);
  });

  it('applies the extended message limit only after setExtendedMessage(true)', () => {
    const big = frameMessage(MessageType.Update, Buffer.alloc(5000), true);
    expect(caught(() => new Framer().push(big)).subcode).toBe(HeaderSubcode.BadMessageLength);
    const f = new Framer();
    f.setExtendedMessage(true);
    expect(f.push(big)).toEqual([big]);
  });

  const headerCases: Array<{ name: string; input: Buffer; ext?: boolean; subcode: HeaderSubcode; data: string }> = [
    { name: 'marker not all ones', input: Buffer.concat([Buffer.alloc(16), header(19, 4).subarray(16)]), subcode: HeaderSubcode.ConnectionNotSynchronized, data: '' },
    { name: 'one marker octet wrong', input: Buffer.from(`${'ff'.repeat(15)}fe001304`, 'hex'), subcode: HeaderSubcode.ConnectionNotSynchronized, data: '' },
    { name: 'length below 19', input: header(18, 4), subcode: HeaderSubcode.BadMessageLength, data: '0012' },
    { name: 'length 0', input: header(0, 4), subcode: HeaderSubcode.BadMessageLength, data: '0000' },
    { name: 'length above 4096', input: header(4097, 2), subcode: HeaderSubcode.BadMessageLength, data: '1001' },
    { name: 'unknown type 0', input: header(19, 0), subcode: HeaderSubcode.BadMessageType, data: '00' },
    { name: 'unknown type 6', input: header(40, 6), subcode: HeaderSubcode.BadMessageType, data: '06' },
    { name: 'unknown type 255', input: header(19, 255), subcode: HeaderSubcode.BadMessageType, data: 'ff' },
    { name: 'OPEN shorter than 29', input: header(28, 1), subcode: HeaderSubcode.BadMessageLength, data: '001c' },
    { name: 'UPDATE shorter than 23', input: header(22, 2), subcode: HeaderSubcode.BadMessageLength, data: '0016' },
    { name: 'NOTIFICATION shorter than 21', input: header(20, 3), subcode: HeaderSubcode.BadMessageLength, data: '0014' },
    { name: 'KEEPALIVE longer than 19', input: header(20, 4), subcode: HeaderSubcode.BadMessageLength, data: '0014' },
    { name: 'OPEN above 4096 even with extended message', input: header(4097, 1), ext: true, subcode: HeaderSubcode.BadMessageLength, data: '1001' },
    { name: 'KEEPALIVE above 4096 with extended message', input: header(5000, 4), ext: true, subcode: HeaderSubcode.BadMessageLength, data: '1388' },
  ];

  it.each(headerCases)('header error: $name', ({ input, ext, subcode, data }) => {
    const f = new Framer();
    f.setExtendedMessage(ext ?? false);
    const err = caught(() => f.push(input));
    expect(err.errorCode).toBe(ErrorCode.MessageHeader);
    expect(err.subcode).toBe(subcode);
    expect(err.data.toString('hex')).toBe(data);
    expect(err.handling).toBe('session-reset');
  });

  const acceptedLengths: Array<{ name: string; length: number; type: MessageType; ext: boolean }> = [
    { name: 'OPEN of 29', length: 29, type: MessageType.Open, ext: false },
    { name: 'OPEN of 4096', length: 4096, type: MessageType.Open, ext: true },
    { name: 'UPDATE of 23', length: 23, type: MessageType.Update, ext: false },
    { name: 'UPDATE of 4096', length: 4096, type: MessageType.Update, ext: false },
    { name: 'UPDATE of 65535 with extended message', length: 65535, type: MessageType.Update, ext: true },
    { name: 'NOTIFICATION of 21', length: 21, type: MessageType.Notification, ext: false },
    { name: 'NOTIFICATION of 65535 with extended message', length: 65535, type: MessageType.Notification, ext: true },
    { name: 'KEEPALIVE of 19', length: 19, type: MessageType.Keepalive, ext: false },
    { name: 'ROUTE-REFRESH of 23', length: 23, type: MessageType.RouteRefresh, ext: false },
    { name: 'ROUTE-REFRESH of 65535 with extended message (judged by its decoder)', length: 65535, type: MessageType.RouteRefresh, ext: true },
  ];

  it.each(acceptedLengths)('accepts $name', ({ length, type, ext }) => {
    const msg = Buffer.concat([header(length, type), Buffer.alloc(length - 19)]);
    expect(readHeader(msg, ext)).toEqual({ length, type });
    const f = new Framer();
    f.setExtendedMessage(ext);
    expect(f.push(msg)).toEqual([msg]);
  });

  it('property: random chunking of random valid-header streams gives back the frames', () => {
    const arbFrame = fc
      .record({ type: fc.constantFrom(MessageType.Update, MessageType.Notification), body: fc.uint8Array({ minLength: 4, maxLength: 300 }) })
      .map(({ type, body }) => frameMessage(type, Buffer.from(body), false));
    fc.assert(
      fc.property(fc.array(arbFrame, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 30 }), (frames, seeds) => {
        const all = Buffer.concat(frames);
        const cuts = [...new Set(seeds.map((s) => s % all.length))].sort((a, b) => a - b);
        const f = new Framer();
        const got: Buffer[] = [];
        let from = 0;
        for (const c of [...cuts, all.length]) {
          got.push(...f.push(all.subarray(from, c)));
          from = c;
        }
        expect(got).toEqual(frames);
      }),
      { numRuns: 200 },
    );
  });

  it('property: random octets only ever raise BgpError', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (withMarker, chunks) => {
        const f = new Framer();
        try {
          if (withMarker) f.push(Buffer.alloc(16, 0xff));
          for (const c of chunks) f.push(Buffer.from(c));
        } catch (err) {
          if (!(err instanceof BgpError)) throw err;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('copes with a large message pushed one octet at a time', () => {
    const big = frameMessage(MessageType.Update, Buffer.alloc(65535 - 19, 7), true);
    const f = new Framer();
    f.setExtendedMessage(true);
    const got: Buffer[] = [];
    for (let i = 0; i < big.length; i++) got.push(...f.push(big.subarray(i, i + 1)));
    expect(got).toEqual([big]);
  });
});
