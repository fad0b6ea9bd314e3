import { AdjRibIn } from './adj-rib-in';
import type { Prefix, UpdateMessage } from '../packet/types';

const p4 = (address: string, length: number): Prefix => ({ family: 'ipv4', address, length });
const p6 = (address: string, length: number): Prefix => ({ family: 'ipv6', address, length });

describe('AdjRibIn', () => {
  it('stores IPv4 and MP IPv6 announcements and removes withdrawals', () => {
    const rib = new AdjRibIn();
    const announce: UpdateMessage = {
      type: 'update',
      withdrawn: [],
      attributes: {
        origin: 0,
        asPath: [{ type: 'sequence', asns: [65001] }],
        nextHop: '192.0.2.1',
        mpReach: { afi: 2, safi: 1, nextHop: '2001:db8::1', nlri: [p6('2001:db8:1::', 48)] },
      },
      nlri: [p4('10.0.0.0', 24), p4('10.0.1.0', 24)],
    };
    expect(rib.apply(announce, 1)).toEqual({ announced: 3, withdrawn: 0 });
    expect(rib.size('ipv4')).toBe(2);
    expect(rib.size('ipv6')).toBe(1);
    expect(rib.get(p6('2001:db8:1::', 48))?.attributes.nextHop).toBe('2001:db8::1');
    expect(rib.get(p4('10.0.0.0', 24))?.attributes.mpReach).toBeUndefined();

    const withdraw: UpdateMessage = {
      type: 'update',
      withdrawn: [p4('10.0.0.0', 24)],
      attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: [p6('2001:db8:1::', 48)] } },
      nlri: [],
    };
    expect(rib.apply(withdraw, 2)).toEqual({ announced: 0, withdrawn: 2 });
    expect([...rib.routes('ipv4')].map((r) => r.prefix.address)).toEqual(['10.0.1.0']);
    expect(rib.size('ipv6')).toBe(0);
  });

  it('treat-as-withdraw removes every prefix the UPDATE names', () => {
    const rib = new AdjRibIn();
    rib.apply({ type: 'update', withdrawn: [], attributes: { origin: 0, asPath: [], nextHop: '192.0.2.1' }, nlri: [p4('10.0.0.0', 24)] }, 1);
    const bad: UpdateMessage = { type: 'update', withdrawn: [], attributes: {}, nlri: [p4('10.0.0.0', 24)] };
    expect(rib.withdrawAll(bad)).toBe(1);
    expect(rib.size('ipv4')).toBe(0);
  });

  it('keys ADD-PATH routes by path id', () => {
    const rib = new AdjRibIn();
    const attrs = { origin: 0 as const, asPath: [], nextHop: '192.0.2.1' };
    rib.apply({ type: 'update', withdrawn: [], attributes: attrs, nlri: [{ ...p4('10.0.0.0', 24), pathId: 1 }, { ...p4('10.0.0.0', 24), pathId: 2 }] }, 1);
    expect(rib.size('ipv4')).toBe(2);
  });
});
