import { renderKubeProxy } from './lab-services';

describe('the kube-proxy stand-in table', () => {
  it('maps ClusterIP . protocol . port to a per-service chain that DNATs at random, hairpins masqueraded, empty services rejected', () => {
    const text = renderKubeProxy([
      { service: 'develop/web', clusterIP: '10.96.80.213', protocol: 'tcp', port: 80, endpoints: [{ ip: '10.244.1.2', port: 80 }, { ip: '10.244.2.2', port: 8080 }] },
      { service: 'develop/dns', clusterIP: '10.96.80.213', protocol: 'udp', port: 53, endpoints: [{ ip: '10.244.1.2', port: 5353 }] },
      { service: 'develop/none', clusterIP: '10.96.0.10', protocol: 'tcp', port: 81, endpoints: [] },
    ]);
    expect(text.split('\n').slice(0, 3)).toEqual(['table ip gingham-lab-kube-proxy', 'delete table ip gingham-lab-kube-proxy', 'table ip gingham-lab-kube-proxy {']);
    expect(text).toContain('comment "gingham lab: kube-proxy stand-in (ClusterIP services)"');
    expect(text).toContain('10.96.80.213 . tcp . 80 : goto svc-10-96-80-213-tcp-80');
    expect(text).toContain('meta l4proto tcp dnat ip to numgen random mod 2 map { 0 : 10.244.1.2 . 80, 1 : 10.244.2.2 . 8080 }');
    expect(text).toContain('meta l4proto udp dnat ip to 10.244.1.2:5353');
    expect(text).toContain('elements = { 10.244.1.2 . 10.244.1.2, 10.244.2.2 . 10.244.2.2 }');
    expect(text).toContain('elements = { 10.96.0.10 . tcp . 81 }');
    expect(text).not.toContain('goto svc-10-96-0-10-tcp-81');
  });

  it('renders an empty table (no elements) that still replaces the previous one', () => {
    const text = renderKubeProxy([]);
    expect(text).not.toContain('elements');
    expect(text).toContain('delete table ip gingham-lab-kube-proxy');
  });
});
