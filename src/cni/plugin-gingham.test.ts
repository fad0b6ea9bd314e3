import type { WorkloadEndpoint } from '../api/kind-workload-endpoint';
import { CniError } from './cni-error';
import { cmdAdd, cmdCheck, cmdDel } from './plugin-gingham';
import { renderResult } from './cni-result';
import { cniEnv, confText, makeWorld, TEST_NETNS } from './testing/fakes';

const HOST_IF = 'cali0d7763386da'; // printf default.web-0 | sha1sum, first 11 hex digits

describe('gingham plugin on fake netlink', () => {
  it('ADD builds the veth, routes, sysctls and WorkloadEndpoint, and returns the result', async () => {
    const w = makeWorld();
    const ctx = w.context(confText(), cniEnv('ADD'));
    const r = await cmdAdd(ctx);

    const host = await w.spaces.host.getLink(HOST_IF);
    expect(host).toMatchObject({ mac: 'ee:ee:ee:ee:ee:ee', mtu: 1440, up: true, kind: 'veth' });
    const routes = await w.spaces.host.listRoutes({ family: 4 });
    expect(routes.find((x) => x.dst === '10.244.0.0/32')).toMatchObject({ linkIndex: host.index, scope: 'link', protocol: 81 });

    const pod = w.spaces.byPath.get(TEST_NETNS)!;
    const eth0 = await pod.getLink('eth0');
    expect(eth0).toMatchObject({ up: true, mtu: 1440 });
    expect((await pod.listAddresses('eth0')).map((a) => a.cidr)).toEqual(['10.244.0.0/32']);
    const podRoutes = await pod.listRoutes({ family: 4 });
    expect(podRoutes.find((x) => x.dst === '169.254.1.1/32')).toMatchObject({ scope: 'link', linkIndex: eth0.index });
    expect(podRoutes.find((x) => x.dst === '0.0.0.0/0')).toMatchObject({ gateway: '169.254.1.1', linkIndex: eth0.index });
    expect(w.spaces.opened).toBe(w.spaces.stopped);

    expect(Object.fromEntries(w.sysctl.values)).toEqual({
      [`net.ipv4.conf.${HOST_IF}.proxy_arp`]: '1',
      [`net.ipv4.neigh.${HOST_IF}.proxy_delay`]: '0',
      [`net.ipv4.conf.${HOST_IF}.forwarding`]: '1',
    });

    const wep = await w.datastore.get<WorkloadEndpoint>('WorkloadEndpoint', 'node--1-k8s-web--0-eth0', 'default');
    expect(wep.spec).toMatchObject({
      orchestrator: 'k8s',
      node: 'node-1',
      pod: 'web-0',
      endpoint: 'eth0',
      containerID: 'c0ffee1234567890',
      ipNetworks: ['10.244.0.0/32'],
      interfaceName: HOST_IF,
      mac: eth0.mac,
      profiles: ['kns.default'],
    });
    expect(w.ipam.attrs.get('k8s-pod-network.c0ffee1234567890')).toEqual({ node: 'node-1', pod: 'web-0', namespace: 'default', timestamp: '2026-12-01T12:00:00.000Z' });

    expect(renderResult(r, '1.0.0')).toEqual({
      cniVersion: '1.0.0',
      interfaces: [
        { name: HOST_IF, mac: 'ee:ee:ee:ee:ee:ee' },
        { name: 'eth0', mac: eth0.mac, sandbox: TEST_NETNS },
      ],
      ips: [{ address: '10.244.0.0/32', interface: 1 }],
      routes: [{ dst: '0.0.0.0/0', gw: '169.254.1.1' }],
      dns: {},
    });

    // CHECK with the previous result passes; with the veth gone it says what is missing.
    const prev = renderResult(r, '1.0.0');
    await cmdCheck(w.context(confText({ prevResult: prev }), cniEnv('CHECK')));
    await w.spaces.host.setLinkUp(HOST_IF, false);
    await expect(cmdCheck(w.context(confText({ prevResult: prev }), cniEnv('CHECK')))).rejects.toThrow(`host interface ${HOST_IF} is down`);
  });

  it('takes the MTU from the MTU file when the configuration says 0', async () => {
    const w = makeWorld();
    w.files.set('/tmp/gingham-test-mtu', '1410\n');
    await cmdAdd(w.context(confText({ mtu: 0, mtu_file: '/tmp/gingham-test-mtu' }), cniEnv('ADD')));
    expect((await w.spaces.host.getLink(HOST_IF)).mtu).toBe(1410);
  });

  it('DEL removes the veth, the endpoint and the addresses, and is idempotent', async () => {
    const w = makeWorld();
    await cmdAdd(w.context(confText(), cniEnv('ADD')));
    await cmdDel(w.context(confText(), cniEnv('DEL')));
    expect(await w.spaces.host.findLink(HOST_IF)).toBeUndefined();
    expect(await w.spaces.byPath.get(TEST_NETNS)!.findLink('eth0')).toBeUndefined();
    expect((await w.datastore.list('WorkloadEndpoint')).items).toEqual([]);
    expect(w.ipam.held.size).toBe(0);
    // Again, and with no netns at all.
    await cmdDel(w.context(confText(), cniEnv('DEL')));
    await cmdDel(w.context(confText(), { ...cniEnv('DEL'), CNI_NETNS: '' }));
  });

  it('a failed container-side step removes the veth and releases the address', async () => {
    const w = makeWorld();
    w.spaces.byPath.get(TEST_NETNS)!.failNext('addRoute', 'EPERM');
    await expect(cmdAdd(w.context(confText(), cniEnv('ADD')))).rejects.toThrow('EPERM');
    expect(await w.spaces.host.findLink(HOST_IF)).toBeUndefined();
    expect(w.ipam.held.size).toBe(0);
    expect((await w.datastore.list('WorkloadEndpoint')).items).toEqual([]);
  });

  it('refuses a host route that another interface already holds', async () => {
    const w = makeWorld();
    await w.spaces.host.createVeth({ name: 'caliother', peerName: 'peer0' });
    await w.spaces.host.setLinkUp('caliother', true);
    await w.spaces.host.addRoute({ dst: '10.244.0.0/32', linkName: 'caliother' });
    const err = await cmdAdd(w.context(confText(), cniEnv('ADD'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CniError);
    expect((err as Error).message).toContain('route to 10.244.0.0/32 already exists on caliother');
    expect(w.ipam.held.size).toBe(0);
  });

  it('replaces a stale host veth of the same pod', async () => {
    const w = makeWorld();
    await w.spaces.host.createVeth({ name: HOST_IF, peerName: 'stale0' });
    await cmdAdd(w.context(confText(), cniEnv('ADD')));
    expect(await w.spaces.host.findLink('stale0')).toBeUndefined();
    expect((await w.spaces.host.getLink(HOST_IF)).mac).toBe('ee:ee:ee:ee:ee:ee');
  });

  it('two pods get different addresses and interfaces; a second ADD of the same container reuses its address', async () => {
    const w = makeWorld();
    w.spaces.add('/var/run/netns/pod-b');
    const a = await cmdAdd(w.context(confText(), cniEnv('ADD', 'aaaa')));
    const b = await cmdAdd(w.context(confText(), { ...cniEnv('ADD', 'bbbb', 'web-1'), CNI_NETNS: '/var/run/netns/pod-b' }));
    expect(a.ips[0]!.address).not.toBe(b.ips[0]!.address);
    expect(a.interfaces[0]!.name).not.toBe(b.interfaces[0]!.name);
    expect(await w.ipam.addressesOf('k8s-pod-network.aaaa')).toEqual([a.ips[0]!.address]);
  });
});

describe('gingham plugin, dual stack and exhaustion', () => {
  it('gives the pod an IPv6 /128 too, with a default route via the host veth link-local address', async () => {
    const w = makeWorld();
    const r = await cmdAdd(w.context(confText({ ipam: { type: 'gingham-ipam', assign_ipv6: 'true' } }), cniEnv('ADD')));
    expect(r.ips.map((i) => i.address)).toEqual(['10.244.0.0/32', 'fd00:10:244::/128']);
    const pod = w.spaces.byPath.get(TEST_NETNS)!;
    expect((await pod.listAddresses('eth0')).map((a) => a.cidr).sort()).toEqual(['10.244.0.0/32', 'fd00:10:244::/128']);
    expect((await pod.listRoutes({ family: 6 })).find((x) => x.dst === '::/0')).toMatchObject({ gateway: 'fe80::ecee:eeff:feee:eeee' });
    expect((await w.spaces.host.listRoutes({ family: 6 })).some((x) => x.dst === 'fd00:10:244::/128')).toBe(true);
    expect(w.sysctl.values.get(`net.ipv6.conf.${HOST_IF}.proxy_ndp`)).toBe('1');
    expect(w.sysctl.values.get(`net.ipv6.conf.${HOST_IF}.accept_dad`)).toBe('0');
  });

  it('an exhausted pool fails the ADD with a message naming the node, and leaves nothing behind', async () => {
    const w = makeWorld();
    for (const id of ['a1', 'a2', 'a3', 'a4']) await w.ipam.autoAssign({ handleId: id, hostname: 'node-1', num4: 1, num6: 0, attrs: {}, pools: [] });
    await expect(cmdAdd(w.context(confText(), cniEnv('ADD')))).rejects.toThrow('IPAM: no IPv4 address available for node node-1');
    expect(await w.spaces.host.findLink(HOST_IF)).toBeUndefined();
    expect(w.ipam.held.has('k8s-pod-network.c0ffee1234567890')).toBe(false);
  });
});
