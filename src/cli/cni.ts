// `gingham cni install`: the CNI install step (src/cni/install.ts) as the Helm chart's init container runs it:
// writes /opt/cni/bin/{gingham,gingham-ipam} (the compiled shim when built, with the Node plugins as *-node) and
// /etc/cni/net.d/10-gingham.conflist.
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { CNI_KUBECONFIG_NAME, CNI_SERVICE_ACCOUNT, CNI_TOKEN_SECONDS, cniKubeconfig } from '../cni/cni-kubeconfig';
import { buildConflist, builtShim, installCni, writeCniKubeconfig } from '../cni/install';
import { PATHS } from '../api/well-known';
import type { CliDeps } from './deps';
import { CliExit } from './run';

function mtuArg(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || (n !== 0 && (n < 68 || n > 65535))) throw new InvalidArgumentError('must be 0 (automatic) or 68..65535');
  return n;
}

export function registerCni(program: Command, deps: CliDeps): void {
  const cni = program.command('cni').description('the CNI plugins: install them for the container runtime');
  cni
    .command('install')
    .description('copy the gingham and gingham-ipam plugins into the CNI bin directory and write 10-gingham.conflist')
    .option('--bin-dir <dir>', 'CNI plugin directory', PATHS.cniBinDir)
    .option('--conf-dir <dir>', 'CNI configuration directory', PATHS.cniConfDir)
    .option('--datastore-type <type>', 'etcdv3 or kubernetes', process.env.DATASTORE_TYPE ?? 'kubernetes')
    .option('--etcd-endpoints <urls>', 'etcd client URLs, comma-separated', process.env.ETCD_ENDPOINTS)
    .option('--kubeconfig <path>', 'kubeconfig the plugin uses in kubernetes mode (default in a pod: one written from a gingham-cni-plugin token)')
    .option('--host-conf-dir <dir>', 'the configuration directory as the host sees it (paths written into the conflist)', PATHS.cniConfDir)
    .option('--cni-service-account <name>', 'ServiceAccount whose token the written kubeconfig carries', CNI_SERVICE_ACCOUNT)
    .option('--nodename <name>', 'node name to write into the configuration', process.env.KUBERNETES_NODE_NAME)
    .option('--mtu <n>', 'pod MTU; 0 reads /var/lib/gingham/mtu', mtuArg, 0)
    .option('--ipam <type>', 'gingham-ipam, or host-local with the node pod CIDR', 'gingham-ipam')
    .option('--no-portmap', 'do not chain the portmap plugin')
    .action(async (o: { binDir: string; confDir: string; hostConfDir: string; cniServiceAccount: string; datastoreType: string; etcdEndpoints?: string; kubeconfig?: string; nodename?: string; mtu: number; ipam: string; portmap: boolean }) => {
      if (o.datastoreType !== 'etcdv3' && o.datastoreType !== 'kubernetes') throw new CliExit(1, `gingham cni install: --datastore-type must be etcdv3 or kubernetes, got "${o.datastoreType}"`);
      if (o.ipam !== 'gingham-ipam' && o.ipam !== 'host-local') throw new CliExit(1, `gingham cni install: --ipam must be gingham-ipam or host-local, got "${o.ipam}"`);
      if (o.datastoreType === 'etcdv3' && !o.etcdEndpoints) throw new CliExit(1, 'gingham cni install: --etcd-endpoints is required with --datastore-type etcdv3');
      const cmdDir = path.join(__dirname, '..', 'cmd');
      // Kubernetes mode in a pod: the plugin gets a kubeconfig of its own, as Calico's install-cni writes one.
      let kubeconfig = o.kubeconfig;
      const extra: string[] = [];
      if (o.datastoreType === 'kubernetes' && kubeconfig === undefined && deps.requestServiceAccountToken !== undefined) {
        const got = await deps.requestServiceAccountToken(o.cniServiceAccount, CNI_TOKEN_SECONDS);
        if (got !== undefined) {
          extra.push(writeCniKubeconfig(o.confDir, cniKubeconfig(got)));
          kubeconfig = path.posix.join(o.hostConfDir, CNI_KUBECONFIG_NAME);
        }
      }
      // The compiled forwarder when `npm ci` built it (scripts/build-native.js), the Node wrappers beside it.
      const shim = builtShim();
      const files = installCni({
        binDir: o.binDir,
        confDir: o.confDir,
        node: process.execPath,
        entries: { gingham: path.join(cmdDir, 'cni-gingham.js'), 'gingham-ipam': path.join(cmdDir, 'cni-gingham-ipam.js') },
        ...(shim !== undefined ? { shim } : {}),
        conflist: buildConflist({
          datastoreType: o.datastoreType,
          etcdEndpoints: o.etcdEndpoints,
          kubeconfig,
          nodename: o.nodename,
          mtu: o.mtu,
          ipam: o.ipam,
          portmap: o.portmap,
        }),
      });
      deps.stdout([...extra, ...files].map((f) => `wrote ${f}\n`).join(''));
    });
}
