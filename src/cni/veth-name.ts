// Host-side veth names, as Calico derives them (libcalico-go backend/k8s/conversion VethNameForWorkload): the
// interface prefix ("cali") plus the first 11 hex digits of sha1("<namespace>.<pod>"). Felix, the dataplane and
// operators' habits ("ip link | grep cali") all rely on the name being a pure function of the pod. The name is
// 15 characters for the default prefix, the Linux maximum (IFNAMSIZ - 1).
import { createHash } from 'node:crypto';

export const DEFAULT_INTERFACE_PREFIX = 'cali';

export function vethNameForWorkload(namespace: string, pod: string, prefix = DEFAULT_INTERFACE_PREFIX): string {
  const h = createHash('sha1').update(`${namespace}.${pod}`).digest('hex');
  return `${prefix}${h.slice(0, 11)}`;
}

/** The host side's MAC: every workload veth has this one, so a pod's neighbour entry for its gateway never changes. */
export const HOST_VETH_MAC = 'ee:ee:ee:ee:ee:ee';

/** The pod's IPv4 gateway: link-local, answered by proxy ARP on the host side, never assigned to any interface. */
export const POD_GATEWAY_V4 = '169.254.1.1';
