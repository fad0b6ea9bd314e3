// The node's name as the plugin uses it (IPAM affinity, WorkloadEndpoint name): the configuration's `nodename`
// (install writes the Kubernetes node name there), else the file `gingham node` writes at start-up
// (/var/lib/gingham/nodename, as Calico's /var/lib/calico/nodename), else the host name.
import type { NetConf } from './cni-config';
import type { ReadFile } from './mtu';

export function resolveNodename(conf: Pick<NetConf, 'nodename' | 'nodenameFile'>, readFile: ReadFile, hostname: () => string): string {
  if (conf.nodename !== '') return conf.nodename;
  const fromFile = readFile(conf.nodenameFile)?.trim();
  if (fromFile) return fromFile;
  return hostname();
}
