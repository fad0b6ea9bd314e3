import { GinghamError } from '../lib/errors';
import { IpipUnavailableError, NetlinkError, errnoName, errnoNumber, isExists, isNotFound } from './netlink-error';
import { defaultScope, describeRoute, routeKey, type Route, type RouteScope } from './netlink';

describe('NetlinkError', () => {
  it('names the operation, the object and the errno, and is a GinghamError with the errno as code', () => {
    const err = new NetlinkError('EEXIST', 'route add', '10.244.1.0/24 via 10.0.0.15 dev eth0');
    expect(err).toBeInstanceOf(GinghamError);
    expect(err.message).toBe('route add 10.244.1.0/24 via 10.0.0.15 dev eth0: EEXIST');
    expect(err).toMatchObject({ code: 'EEXIST', errno: 'EEXIST', op: 'route add', name: 'NetlinkError' });
    expect(isExists(err)).toBe(true);
    expect(isNotFound(err)).toBe(false);
  });

  it('gives the missing-ipip case its own code and the operator a way out', () => {
    const err = new IpipUnavailableError('tunl0 type ipip');
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err.code).toBe('IPIP_UNAVAILABLE');
    expect(err.errno).toBe('EOPNOTSUPP');
    expect(err.message).toContain('kernel lacks ipip; use vxlanMode');
    expect(err.name).toBe('IpipUnavailableError');
  });

  const names: Array<{ n: number; want: string }> = [
    { n: -17, want: 'EEXIST' },
    { n: 3, want: 'ESRCH' },
    { n: -19, want: 'ENODEV' },
    { n: -1, want: 'EPERM' },
    { n: -95, want: 'EOPNOTSUPP' },
    { n: -99, want: 'EADDRNOTAVAIL' },
    { n: -4242, want: 'E4242' },
  ];
  it.each(names)('errno $n is $want', ({ n, want }) => {
    expect(errnoName(n)).toBe(want);
  });

  it('maps names back to numbers', () => {
    expect(errnoNumber('ENOENT')).toBe(2);
    expect(errnoNumber('ENOPE')).toBeUndefined();
  });

  it('counts every kernel flavour of "not there" as not found', () => {
    for (const e of ['ESRCH', 'ENOENT', 'ENODEV', 'EADDRNOTAVAIL']) expect(isNotFound(new NetlinkError(e, 'x', 'y'))).toBe(true);
    expect(isNotFound(new Error('ENOENT'))).toBe(false);
  });
});

describe('route helpers', () => {
  const scopes: Array<{ route: Route; want: RouteScope }> = [
    { route: { dst: '10.0.0.0/24', linkName: 'eth0' }, want: 'link' },
    { route: { dst: '10.0.0.0/24', gateway: '10.1.1.1' }, want: 'universe' },
    { route: { dst: '10.0.0.0/24', multipath: [{ linkName: 'a' }] }, want: 'universe' },
    { route: { dst: '10.0.0.0/24', type: 'blackhole' }, want: 'universe' },
    { route: { dst: '10.0.0.1/32', type: 'local', linkName: 'lo' }, want: 'host' },
  ];
  it.each(scopes)('default scope of $route.dst $route.type -> $want', ({ route, want }) => {
    expect(defaultScope(route)).toBe(want);
  });

  it('describes routes iproute2-style', () => {
    expect(describeRoute({ dst: '10.244.1.0/24', gateway: '10.0.0.15', linkName: 'tunl0', onlink: true })).toBe('10.244.1.0/24 via 10.0.0.15 dev tunl0 onlink');
    expect(describeRoute({ dst: '10.244.0.0/16', type: 'blackhole', table: 100, metric: 5, protocol: 81 })).toBe('blackhole 10.244.0.0/16 table 100 metric 5 proto 81');
    expect(describeRoute({ dst: '10.1.0.0/24', multipath: [{ gateway: '10.0.0.2', linkIndex: 3 }] })).toBe('10.1.0.0/24 nexthop via 10.0.0.2 dev #3');
  });

  it('keys routes by family, table, canonical destination and metric', () => {
    expect(routeKey({ dst: '10.0.0.7/24' })).toBe(routeKey({ dst: '10.0.0.0/24', table: 254, metric: 0 }));
    expect(routeKey({ dst: '10.0.0.0/24', metric: 1 })).not.toBe(routeKey({ dst: '10.0.0.0/24' }));
    expect(routeKey({ dst: '2001:db8::/64' })).toBe('6|254|2001:db8::/64|1024');
  });
});
