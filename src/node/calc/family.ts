// The one place the node agent decides which address family it routes: IPv4 (Calico's IPv6 support is future work
// here). The BGP families of the sessions, which best paths reach the kernel, which workload addresses and service
// ranges are exported: all read this.
export const AGENT_FAMILY = { bgp: 'ipv4', ip: 4 } as const;
