// Per-interface kernel settings the pod's host-side veth needs, written through an injected writer (the real one
// writes /proc/sys of the plugin's own network namespace; tests record). Calico sets the same on every cali*
// interface (felix endpoint_mgr.go configureProcSysForInterface, cni-plugin dataplane_linux.go).
import { writeFileSync } from 'node:fs';

export interface SysctlWriter {
  /** Sets a key such as "net.ipv4.conf.cali123.proxy_arp" to a value. */
  set(key: string, value: string): Promise<void>;
}

export function procSysWriter(root = '/proc/sys'): SysctlWriter {
  return {
    async set(key, value) {
      writeFileSync(`${root}/${key.replace(/\./g, '/')}`, value);
    },
  };
}

/**
 * What the host side of a pod veth must have:
 * - proxy_arp=1: the host answers the pod's ARP for 169.254.1.1 (its gateway) with the veth's own MAC;
 * - neigh proxy_delay=0: answer at once instead of the default random delay of up to 0.8 s;
 * - forwarding=1: packets the pod sends are routed on (the input interface decides, ip_route_input_slow).
 */
export function hostVethSysctls(ifName: string): Array<[string, string]> {
  return [
    [`net.ipv4.conf.${ifName}.proxy_arp`, '1'],
    [`net.ipv4.neigh.${ifName}.proxy_delay`, '0'],
    [`net.ipv4.conf.${ifName}.forwarding`, '1'],
  ];
}
