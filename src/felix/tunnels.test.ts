import { Writable } from 'node:stream';
import { createLogger } from '../lib/logger';
import { FakeNetlink } from '../netlink/fake';
import { ensureVxlanDevice, IpipDevice, removeVxlanDevice, syncVxlanPeers, VXLAN_OVERHEAD } from './tunnels';

function nodeNetlink(opts: { ipip?: boolean } = {}): FakeNetlink {
  const nl = new FakeNetlink({ ipipAvailable: opts.ipip ?? true });
  nl.addExistingLink('eth0', { up: true, mtu: 1500 });
  return nl;
}

function capture(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({ format: 'json', levels: 'debug', stream });
  return { logger, lines };
}

describe('vxlan.calico', () => {
  const spec = { parent: 'eth0', localAddress: '10.0.0.12', mac: '66:11:22:33:44:55', tunnelAddress: '10.244.0.0', mtu: 1500 - VXLAN_OVERHEAD };

  it('is created with VNI 4096, port 4789, parent, local address, MAC, /32 tunnel address and MTU, and brought up', async () => {
    const nl = nodeNetlink();
    const link = await ensureVxlanDevice(nl, spec);
    expect(link).toMatchObject({ name: 'vxlan.calico', kind: 'vxlan', mtu: 1450, mac: '66:11:22:33:44:55', up: true });
    expect(link.vxlan).toMatchObject({ vni: 4096, port: 4789, local: '10.0.0.12', learning: false, parentIndex: (await nl.getLink('eth0')).index });
    expect((await nl.listAddresses('vxlan.calico')).map((a) => a.cidr)).toEqual(['10.244.0.0/32']);
    const calls = nl.calls.length;
    await ensureVxlanDevice(nl, spec);
    expect(nl.calls.length).toBe(calls);
  });

  it('is recreated when incompatible (MAC changed), and its address follows the tunnel address', async () => {
    const nl = nodeNetlink();
    await ensureVxlanDevice(nl, spec);
    const again = await ensureVxlanDevice(nl, { ...spec, mac: '66:00:00:00:00:01', tunnelAddress: '10.244.0.1' });
    expect(again.mac).toBe('66:00:00:00:00:01');
    expect(nl.calls.filter((c) => c.startsWith('link del vxlan.calico'))).toHaveLength(1);
    expect((await nl.listAddresses('vxlan.calico')).map((a) => a.cidr)).toEqual(['10.244.0.1/32']);
    await removeVxlanDevice(nl);
    await removeVxlanDevice(nl);
    expect(await nl.findLink('vxlan.calico')).toBeUndefined();
  });

  it('keeps exactly the desired permanent ARP and FDB entries per remote VTEP', async () => {
    const nl = nodeNetlink();
    await ensureVxlanDevice(nl, spec);
    const n1 = { ip: '10.244.1.0', mac: '66:00:00:00:00:01', linkName: 'vxlan.calico' };
    const n2 = { ip: '10.244.2.0', mac: '66:00:00:00:00:02', linkName: 'vxlan.calico' };
    expect(await syncVxlanPeers(nl, [n1, n2], [{ mac: n1.mac, dst: '10.0.0.15' }, { mac: n2.mac, dst: '10.0.0.16' }])).toEqual({ written: 4, removed: 0 });
    expect(await syncVxlanPeers(nl, [n1, n2], [{ mac: n1.mac, dst: '10.0.0.15' }, { mac: n2.mac, dst: '10.0.0.16' }])).toEqual({ written: 0, removed: 0 });
    expect(await syncVxlanPeers(nl, [n1], [{ mac: n1.mac, dst: '10.0.0.15' }])).toEqual({ written: 0, removed: 2 });
    expect((await nl.listNeighbours('vxlan.calico')).map((n) => n.ip)).toEqual(['10.244.1.0']);
    expect((await nl.listFdb('vxlan.calico')).map((f) => f.dst)).toEqual(['10.0.0.15']);
  });
});

describe('tunl0', () => {
  it('is created with the IPIP tunnel address and MTU host - 20 where the kernel has ipip', async () => {
    const nl = nodeNetlink();
    const dev = new IpipDevice(nl, capture().logger);
    const state = await dev.ensure({ tunnelAddress: '10.244.0.1', mtu: 1480 });
    expect(state.ok).toBe(true);
    expect(await nl.getLink('tunl0')).toMatchObject({ kind: 'ipip', mtu: 1480, up: true });
    expect((await nl.listAddresses('tunl0')).map((a) => a.cidr)).toEqual(['10.244.0.1/32']);
    await dev.disable();
    expect(await nl.listAddresses('tunl0')).toEqual([]);
  });

  it('on a kernel without ipip says "kernel lacks ipip; use vxlanMode" once and does not throw', async () => {
    const nl = nodeNetlink({ ipip: false });
    const { logger, lines } = capture();
    const dev = new IpipDevice(nl, logger);
    for (let i = 0; i < 3; i++) {
      const state = await dev.ensure({ tunnelAddress: '10.244.0.1', mtu: 1480 });
      expect(state).toEqual({ ok: false, reason: expect.stringContaining('kernel lacks ipip; use vxlanMode') });
    }
    await new Promise((r) => setImmediate(r));
    expect(lines.filter((l) => l.includes('kernel lacks ipip'))).toHaveLength(1);
    expect(lines[0]).toContain('"component":"felix.ipip"');
    expect(await nl.findLink('tunl0')).toBeUndefined();
  });
});
