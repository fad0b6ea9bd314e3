import { FakeNetlink } from '../netlink/fake';
import { NetlinkError } from '../netlink/netlink-error';
import { DUMP_ATTEMPTS, serialisedDumps } from './netlink-dumps';

describe('serialisedDumps', () => {
  it('runs one dump at a time and passes other requests straight through', async () => {
    const fake = new FakeNetlink();
    let running = 0;
    let peak = 0;
    const real = fake.listLinks.bind(fake);
    fake.listLinks = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
      return real();
    };
    const nl = serialisedDumps(fake);
    await Promise.all([nl.listLinks(), nl.listLinks(), nl.listLinks()]);
    expect(peak).toBe(1);
    fake.addExistingLink('eth0', { mtu: 1500 });
    await expect(nl.getLink('eth0')).resolves.toMatchObject({ name: 'eth0' });
  });

  it('retries an interrupted or busy dump a bounded number of times; other errors at once', async () => {
    const fake = new FakeNetlink();
    let calls = 0;
    fake.listRoutes = async () => {
      calls++;
      if (calls < 3) throw new NetlinkError(calls === 1 ? 'EIO' : 'EBUSY', 'route list', 'IPv4');
      return [];
    };
    await expect(serialisedDumps(fake).listRoutes({ family: 4 })).resolves.toEqual([]);
    expect(calls).toBe(3);
    calls = 0;
    fake.listRoutes = async () => {
      calls++;
      throw new NetlinkError('EIO', 'route list', 'IPv4');
    };
    await expect(serialisedDumps(fake).listRoutes()).rejects.toMatchObject({ errno: 'EIO' });
    expect(calls).toBe(DUMP_ATTEMPTS);
    calls = 0;
    fake.listLinks = async () => {
      calls++;
      throw new NetlinkError('EPERM', 'link list', '');
    };
    await expect(serialisedDumps(fake).listLinks()).rejects.toMatchObject({ errno: 'EPERM' });
    expect(calls).toBe(1);
  });
});
