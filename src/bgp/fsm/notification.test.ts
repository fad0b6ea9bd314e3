import { describeNotification } from '../packet/notification';
import { encodeShutdownCommunication, fsmErrorNotification, shutdownNotification } from './notification';
import type { FsmState } from './states';

describe('encodeShutdownCommunication (RFC 9003 §2)', () => {
  const cases: Array<{ name: string; text: string; wantLength: number; wantText: string }> = [
    { name: 'ascii', text: 'maintenance', wantLength: 11, wantText: 'maintenance' },
    { name: 'utf-8 counted in octets', text: 'Wartung läuft', wantLength: 14, wantText: 'Wartung läuft' },
    { name: 'exactly 255 octets kept', text: 'x'.repeat(255), wantLength: 255, wantText: 'x'.repeat(255) },
    { name: 'longer ascii cut at 255', text: 'y'.repeat(300), wantLength: 255, wantText: 'y'.repeat(255) },
    // 2-octet characters: 127 fit in 254 octets, the 128th would need 256.
    { name: 'cut at a character boundary', text: 'é'.repeat(200), wantLength: 254, wantText: 'é'.repeat(127) },
    // A 4-octet emoji after 253 octets does not fit and is left out whole.
    { name: 'no broken surrogate pair', text: `${'z'.repeat(253)}😀`, wantLength: 253, wantText: 'z'.repeat(253) },
  ];
  it.each(cases)('$name', ({ text, wantLength, wantText }) => {
    const data = encodeShutdownCommunication(text);
    expect(data[0]).toBe(wantLength);
    expect(data.length).toBe(1 + wantLength);
    expect(data.subarray(1).toString('utf8')).toBe(wantText);
  });
});

describe('shutdownNotification', () => {
  it('without a message: Cease / Administrative Shutdown, no data', () => {
    expect(shutdownNotification()).toEqual({ type: 'notification', code: 6, subcode: 2, data: Buffer.alloc(0) });
    expect(shutdownNotification('')).toEqual({ type: 'notification', code: 6, subcode: 2, data: Buffer.alloc(0) });
  });
  it('shutdownMessage is what the peer will decode (truncated like the data)', () => {
    const n = shutdownNotification('a'.repeat(300));
    expect(n.shutdownMessage).toBe('a'.repeat(255));
    expect(n.data.length).toBe(256);
  });
});

describe('fsmErrorNotification (RFC 6608 §4)', () => {
  it.each<{ state: FsmState; subcode: number }>([
    { state: 'OpenSent', subcode: 1 },
    { state: 'OpenConfirm', subcode: 2 },
    { state: 'Established', subcode: 3 },
    { state: 'Connect', subcode: 0 },
  ])('$state → 5/$subcode', ({ state, subcode }) => {
    expect(fsmErrorNotification(state)).toMatchObject({ code: 5, subcode });
  });
});

describe('describeNotification', () => {
  it.each([
    { n: { code: 4, subcode: 0 }, want: 'Hold Timer Expired' },
    { n: { code: 6, subcode: 2, shutdownMessage: 'upgrade' }, want: 'Cease / Administrative Shutdown: upgrade' },
    { n: { code: 8, subcode: 0 }, want: 'Send Hold Timer Expired' },
    { n: { code: 2, subcode: 2 }, want: 'OPEN Message Error / Bad Peer AS' },
  ])('$want', ({ n, want }) => {
    expect(describeNotification(n)).toBe(want);
  });
});
