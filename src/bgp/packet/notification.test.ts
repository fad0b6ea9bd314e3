import { BgpError } from './bgp-error';
import { CeaseSubcode, ErrorCode, FsmSubcode, HeaderSubcode, OpenSubcode, RouteRefreshSubcode, UpdateSubcode } from './constants';
import {
  decodeNotification,
  decodeShutdownCommunication,
  describeNotification,
  encodeNotification,
  encodeShutdownCommunication,
  notificationFromError,
  shutdownNotification,
} from './notification';
import type { NotificationMessage } from './types';

const note = (code: number, subcode: number, data = ''): NotificationMessage => ({ type: 'notification', code, subcode, data: Buffer.from(data, 'hex') });

describe('NOTIFICATION', () => {
  const roundTrips: Array<{ name: string; msg: NotificationMessage; wire: string }> = [
    { name: 'hold timer expired', msg: note(4, 0), wire: '0400' },
    { name: 'bad message length with the length', msg: note(1, 2, '1001'), wire: '01021001' },
    { name: 'unsupported version with the version', msg: note(2, 1, '0004'), wire: '02010004' },
    { name: 'cease / peer de-configured', msg: note(6, 3), wire: '0603' },
    { name: 'cease / administrative shutdown without communication', msg: note(6, 2), wire: '0602' },
    {
      name: 'cease / administrative shutdown with communication (RFC 9003)',
      msg: { ...note(6, 2, '0b6d61696e74656e616e6365'), shutdownMessage: 'maintenance' },
      wire: '0602' + '0b6d61696e74656e616e6365',
    },
    {
      name: 'cease / administrative reset with a UTF-8 communication',
      msg: { ...note(6, 4, '07c3a9746170652e'), shutdownMessage: 'étape.' },
      wire: '0604' + '07c3a9746170652e',
    },
    { name: 'cease / administrative shutdown, empty communication', msg: { ...note(6, 2, '00'), shutdownMessage: '' }, wire: '060200' },
  ];

  it.each(roundTrips)('round trip: $name', ({ msg, wire }) => {
    expect(encodeNotification(msg, 4077).toString('hex')).toBe(wire);
    expect(decodeNotification(Buffer.from(wire, 'hex'))).toEqual(msg);
  });

  const rawCases: Array<{ name: string; data: string }> = [
    { name: 'length octet longer than the data', data: '05616263' },
    { name: 'length octet shorter than the data', data: '01616263' },
    { name: 'invalid UTF-8 (lone continuation octet)', data: '0280ff' },
    { name: 'invalid UTF-8 (overlong encoding of "/")', data: '02c0af' },
    { name: 'invalid UTF-8 (UTF-16 surrogate)', data: '03eda080' },
  ];

  it.each(rawCases)('keeps a malformed shutdown communication raw: $name', ({ data }) => {
    const msg = decodeNotification(Buffer.from(`0602${data}`, 'hex'));
    expect(msg).toEqual(note(6, 2, data));
    expect(msg.shutdownMessage).toBeUndefined();
    expect(encodeNotification(msg, 4077).toString('hex')).toBe(`0602${data}`);
  });

  it('reads a communication only for Cease subcodes 2 and 4', () => {
    expect(decodeNotification(Buffer.from('0603026869', 'hex')).shutdownMessage).toBeUndefined();
    expect(decodeNotification(Buffer.from('0202026869', 'hex')).shutdownMessage).toBeUndefined();
    expect(decodeNotification(Buffer.from('0604026869', 'hex')).shutdownMessage).toBe('hi');
  });

  it('accepts a communication of 255 octets (RFC 9003 raised the limit from 128)', () => {
    const text = 'x'.repeat(255);
    const msg = shutdownNotification(CeaseSubcode.AdministrativeShutdown, text);
    expect(msg.data.length).toBe(256);
    expect(decodeShutdownCommunication(msg.data)).toBe(text);
    expect(decodeNotification(encodeNotification(msg, 4077))).toEqual(msg);
  });

  it('keeps a leading byte order mark so re-encoding gives the same octets', () => {
    const data = encodeShutdownCommunication('\ufeffbye');
    expect(decodeShutdownCommunication(data)).toBe('\ufeffbye');
  });

  it('refuses to encode a communication over 255 octets', () => {
    expect(() => encodeShutdownCommunication('é'.repeat(128))).toThrow(/256 octets/);
  });

  it('encodes shutdownMessage when data is empty', () => {
    const msg: NotificationMessage = { type: 'notification', code: 6, subcode: 2, data: Buffer.alloc(0), shutdownMessage: 'bye' };
    expect(encodeNotification(msg, 4077).toString('hex')).toBe('060203627965');
  });

  it('truncates data that would not fit in the message', () => {
    const body = encodeNotification(note(3, 1, 'aa'.repeat(5000)), 4077);
    expect(body.length).toBe(4077);
  });

  it('rejects a body shorter than code and subcode', () => {
    expect(() => decodeNotification(Buffer.from('06', 'hex'))).toThrow(BgpError);
  });

  it('reports a BgpError as a NOTIFICATION', () => {
    const err = new BgpError(1, 2, 'x', Buffer.from('0013', 'hex'));
    expect(notificationFromError(err)).toEqual(note(1, 2, '0013'));
  });

  // Every code and subcode constants.ts names (RFC 4271 §4.5, RFC 4486, RFC 5492, RFC 6608, RFC 7313, RFC 8538, RFC 9234, RFC 9384).
  const names: Array<[number, number, string]> = [
    [1, 1, 'Message Header Error / Connection Not Synchronized'],
    [1, 2, 'Message Header Error / Bad Message Length'],
    [1, 3, 'Message Header Error / Bad Message Type'],
    [2, 0, 'OPEN Message Error / Unspecific'],
    [2, 1, 'OPEN Message Error / Unsupported Version Number'],
    [2, 2, 'OPEN Message Error / Bad Peer AS'],
    [2, 3, 'OPEN Message Error / Bad BGP Identifier'],
    [2, 4, 'OPEN Message Error / Unsupported Optional Parameter'],
    [2, 5, 'OPEN Message Error / Authentication Failure (deprecated)'],
    [2, 6, 'OPEN Message Error / Unacceptable Hold Time'],
    [2, 7, 'OPEN Message Error / Unsupported Capability'],
    [2, 8, 'OPEN Message Error / Deprecated'],
    [2, 9, 'OPEN Message Error / Deprecated'],
    [2, 10, 'OPEN Message Error / Deprecated'],
    [2, 11, 'OPEN Message Error / Role Mismatch'],
    [3, 0, 'UPDATE Message Error / Unspecific'],
    [3, 1, 'UPDATE Message Error / Malformed Attribute List'],
    [3, 2, 'UPDATE Message Error / Unrecognized Well-known Attribute'],
    [3, 3, 'UPDATE Message Error / Missing Well-known Attribute'],
    [3, 4, 'UPDATE Message Error / Attribute Flags Error'],
    [3, 5, 'UPDATE Message Error / Attribute Length Error'],
    [3, 6, 'UPDATE Message Error / Invalid ORIGIN Attribute'],
    [3, 7, 'UPDATE Message Error / AS Routing Loop (deprecated)'],
    [3, 8, 'UPDATE Message Error / Invalid NEXT_HOP Attribute'],
    [3, 9, 'UPDATE Message Error / Optional Attribute Error'],
    [3, 10, 'UPDATE Message Error / Invalid Network Field'],
    [3, 11, 'UPDATE Message Error / Malformed AS_PATH'],
    [4, 0, 'Hold Timer Expired'],
    [5, 0, 'Finite State Machine Error / Unspecified Error'],
    [5, 1, 'Finite State Machine Error / Receive Unexpected Message in OpenSent State'],
    [5, 2, 'Finite State Machine Error / Receive Unexpected Message in OpenConfirm State'],
    [5, 3, 'Finite State Machine Error / Receive Unexpected Message in Established State'],
    [6, 0, 'Cease / Unspecific'],
    [6, 1, 'Cease / Maximum Number of Prefixes Reached'],
    [6, 2, 'Cease / Administrative Shutdown'],
    [6, 3, 'Cease / Peer De-configured'],
    [6, 4, 'Cease / Administrative Reset'],
    [6, 5, 'Cease / Connection Rejected'],
    [6, 6, 'Cease / Other Configuration Change'],
    [6, 7, 'Cease / Connection Collision Resolution'],
    [6, 8, 'Cease / Out of Resources'],
    [6, 9, 'Cease / Hard Reset'],
    [6, 10, 'Cease / BFD Down'],
    [7, 0, 'ROUTE-REFRESH Message Error / Reserved'],
    [7, 1, 'ROUTE-REFRESH Message Error / Invalid Message Length'],
    [6, 99, 'Cease / subcode 99'],
    [8, 0, 'Send Hold Timer Expired'],
    [42, 1, 'Unknown error code 42 / subcode 1'],
  ];

  it.each(names)('names %d/%d "%s"', (code, subcode, name) => {
    expect(describeNotification(decodeNotification(Buffer.from([code, subcode])))).toBe(name);
  });

  it('has a name for every subcode of every enum in constants.ts (none falls back to a number)', () => {
    const enums: Array<[ErrorCode, object]> = [
      [ErrorCode.MessageHeader, HeaderSubcode],
      [ErrorCode.OpenMessage, OpenSubcode],
      [ErrorCode.UpdateMessage, UpdateSubcode],
      [ErrorCode.FiniteStateMachine, FsmSubcode],
      [ErrorCode.Cease, CeaseSubcode],
      [ErrorCode.RouteRefreshMessage, RouteRefreshSubcode],
    ];
    let checked = 0;
    for (const [code, subcodes] of enums) {
      for (const s of Object.values(subcodes).filter((v): v is number => typeof v === 'number')) {
        const name = describeNotification(decodeNotification(Buffer.from([code, s])));
        expect(name).not.toMatch(/subcode \d|Unknown error code/);
        expect(names.some(([c, sc, n]) => c === code && sc === s && n === name)).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(40);
  });

  it('describes communications (data is not part of the text)', () => {
    expect(describeNotification({ ...note(6, 2, '03627965'), shutdownMessage: 'bye' })).toBe('Cease / Administrative Shutdown: bye');
    expect(describeNotification(note(3, 11, 'aabbcc'))).toBe('UPDATE Message Error / Malformed AS_PATH');
  });
});
