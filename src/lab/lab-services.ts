// The lab's stand-in for kube-proxy: ClusterIP services as an nftables DNAT map, one table `gingham-lab-kube-proxy`
// in every node namespace (never touched by the agent, whose tables are its own). Traffic to CLUSTER-IP:PORT from the
// node's pods (prerouting) or from the node itself (output) is sent to one of the service's endpoints, chosen at
// random per connection as kube-proxy's nftables mode does (pkg/proxy/nftables/proxier.go: a `numgen random mod N`
// vmap per service); a pod reaching itself through its service is masqueraded (hairpin). A service with no endpoint is rejected (ICMP port unreachable), as kube-proxy does. Policy
// then sees the pod address, after DNAT, as in a real cluster. Pure: renders the `nft -f` text.

export const KUBE_PROXY_TABLE = 'gingham-lab-kube-proxy';

export interface ServiceRule {
  /** ns/name, for the comments an operator reads in `nft list ruleset`. */
  readonly service: string;
  readonly clusterIP: string;
  readonly protocol: 'tcp' | 'udp' | 'sctp';
  readonly port: number;
  readonly endpoints: ReadonlyArray<{ readonly ip: string; readonly port: number }>;
}

const chainName = (r: ServiceRule): string => `svc-${r.clusterIP.replace(/\./g, '-')}-${r.protocol}-${r.port}`;
const q = (s: string): string => `"${s.replace(/"/g, "'")}"`;

/** The whole table, replacing the previous one in one transaction (`nft -f` is atomic). */
export function renderKubeProxy(rules: readonly ServiceRule[]): string {
  const sorted = [...rules].sort((a, b) => chainName(a).localeCompare(chainName(b)));
  const lines: string[] = [
    `table ip ${KUBE_PROXY_TABLE}`,
    `delete table ip ${KUBE_PROXY_TABLE}`,
    `table ip ${KUBE_PROXY_TABLE} {`,
    `  comment ${q('gingham lab: kube-proxy stand-in (ClusterIP services)')}`,
  ];
  const withEps = sorted.filter((r) => r.endpoints.length > 0);
  const elements = withEps.map((r) => `${r.clusterIP} . ${r.protocol} . ${r.port} : goto ${chainName(r)}`);
  lines.push('  map service-ips {', '    type ipv4_addr . inet_proto . inet_service : verdict');
  if (elements.length > 0) lines.push(`    elements = { ${elements.join(',\n                 ')} }`);
  lines.push('  }');
  const empty = sorted.filter((r) => r.endpoints.length === 0).map((r) => `${r.clusterIP} . ${r.protocol} . ${r.port}`);
  lines.push('  set no-endpoints {', '    type ipv4_addr . inet_proto . inet_service');
  if (empty.length > 0) lines.push(`    elements = { ${empty.join(', ')} }`);
  lines.push('  }');
  // A pod reaching itself through its own service (hairpin) would get a packet from its own address, which the kernel
  // drops as a martian: masquerade those, as kube-proxy does (its mark-for-masquerade when saddr is the endpoint).
  const hairpin = [...new Set(withEps.flatMap((r) => r.endpoints.map((e) => `${e.ip} . ${e.ip}`)))];
  lines.push('  set hairpin {', '    type ipv4_addr . ipv4_addr');
  if (hairpin.length > 0) lines.push(`    elements = { ${hairpin.join(', ')} }`);
  lines.push('  }');
  lines.push('  chain postrouting {', '    type nat hook postrouting priority srcnat; policy accept;', '    ct status dnat ip saddr . ip daddr @hairpin masquerade', '  }');
  lines.push('  chain services {', '    ip daddr . meta l4proto . th dport vmap @service-ips', '  }');
  lines.push('  chain prerouting {', '    type nat hook prerouting priority dstnat; policy accept;', '    jump services', '  }');
  lines.push('  chain output {', '    type nat hook output priority -100; policy accept;', '    jump services', '  }');
  lines.push('  chain reject-no-endpoints {', '    type filter hook forward priority -10; policy accept;', '    ip daddr . meta l4proto . th dport @no-endpoints reject', '  }');
  lines.push('  chain reject-no-endpoints-local {', '    type filter hook output priority -10; policy accept;', '    ip daddr . meta l4proto . th dport @no-endpoints reject', '  }');
  for (const r of withEps) {
    const n = r.endpoints.length;
    const pick = r.endpoints.map((e, i) => `${i} : ${e.ip} . ${e.port}`);
    lines.push(`  chain ${chainName(r)} {`);
    lines.push(`    comment ${q(`service ${r.service} ${r.protocol}/${r.port}: ${r.endpoints.map((e) => `${e.ip}:${e.port}`).join(' ')}`)}`);
    const to = n === 1 ? `${r.endpoints[0]!.ip}:${r.endpoints[0]!.port}` : `numgen random mod ${n} map { ${pick.join(', ')} }`;
    lines.push(`    meta l4proto ${r.protocol} dnat ip to ${to}`);
    lines.push('  }');
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
