import { FakeClock } from '../lib/fake-clock';
import { nullLogger } from '../lib/logger';
import { FakeNetlink } from '../netlink/fake';
import { GINGHAM_ROUTE_PROTOCOL, describeRoute } from '../netlink/netlink';
import { Dataplane, type DataplaneDesired } from './dataplane';

async function kernel(opts: { ipipAvailable?: boolean } = {}): Promise<FakeNetlink> {
  const nl = new FakeNetlink(opts);
  nl.addExistingLink('eth0', { up: true });
  await nl.addAddress('eth0', '10.0.0.1/24');
  return nl;
}

const ours = async (nl: FakeNetlink): Promise<string[]> => (await nl.listRoutes({ protocol: GINGHAM_ROUTE_PROTOCOL })).map(describeRoute).map((r) => r.replace(/ proto \d+| metric \d+/g, ''));

const WANT: DataplaneDesired = {
  routes: [
    { dst: '10.244.1.0/24', gateway: '10.0.0.2', linkName: 'tunl0', onlink: true },
    { dst: '10.244.2.0/24', gateway: '10.0.0.3', linkName: 'eth0' },
  ],
  ipip: { tunnelAddress: '10.244.0.1', mtu: 1480 },
  natPools: [{ cidr: '10.244.0.0/16', natOutgoing: true }],
};

describe('Dataplane', () => {
  it('brings up tunl0 before the routes through it, and applies NAT outgoing', async () => {
    const nl = await kernel();
    const commands: string[] = [];
    const dp = new Dataplane({ netlink: nl, clock: new FakeClock(0), logger: nullLogger, runCommand: async (argv) => (commands.push(argv[0] as string), { code: 0, stdout: '', stderr: '' }) });
    const res = await dp.apply(WANT);
    expect(res.problems).toEqual([]);
    expect(res.routes.written).toBe(2);
    expect((await nl.listAddresses('tunl0', 4)).map((a) => a.cidr)).toEqual(['10.244.0.1/32']);
    expect(await ours(nl)).toEqual(['10.244.1.0/24 via 10.0.0.2 dev tunl0 onlink', '10.244.2.0/24 via 10.0.0.3 dev eth0']);
    expect(commands[0]).toBe('iptables-restore');
    dp.close();
  });

  it('leaves routes through tunl0 out on a kernel without ipip, and reports a failing NAT under one key', async () => {
    const nl = await kernel({ ipipAvailable: false });
    const dp = new Dataplane({ netlink: nl, clock: new FakeClock(0), logger: nullLogger, runCommand: async () => ({ code: 2, stdout: '', stderr: 'iptables-restore: line 3 failed' }) });
    const res = await dp.apply(WANT);
    expect(await ours(nl)).toEqual(['10.244.2.0/24 via 10.0.0.3 dev eth0']);
    expect(res.problems.map((p) => p.key)).toEqual(['nat-outgoing']);
    expect(res.problems[0]?.message).toContain('line 3 failed');
    dp.close();
  });

  it('removes our address from tunl0 when IPIP is no longer wanted', async () => {
    const nl = await kernel();
    const dp = new Dataplane({ netlink: nl, clock: new FakeClock(0), logger: nullLogger });
    await dp.apply(WANT);
    await dp.apply({ routes: [], natPools: [] });
    expect(await nl.listAddresses('tunl0', 4)).toEqual([]);
    dp.close();
  });
});
