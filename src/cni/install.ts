// The install step of the future Helm init container (Calico's install-cni, cni-plugin/pkg/install/install.go):
// puts the `gingham` and `gingham-ipam` executables into the runtime's CNI bin directory and writes
// 10-gingham.conflist into its configuration directory. With `shim`, each executable is the compiled forwarder
// (native/cni-shim.c, one self-contained static file: no Node.js or Gingham tree needed on the host for the agent
// path) and the Node shim goes beside it as `<name>-node` for what the compiled one hands over (no agent socket in
// the configuration, a DEL with the agent down that could not be queued for it). Without `shim`, the executables are the small shell wrappers that
// exec the built Node entry points. Every file is written to a temporary name and renamed, so a runtime reading the
// directory never sees half a file.
import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CNI_KUBECONFIG_NAME } from './cni-kubeconfig';

export const CONFLIST_NAME = '10-gingham.conflist';
export const NETWORK_NAME = 'k8s-pod-network';

export interface ConflistOptions {
  readonly datastoreType: 'etcdv3' | 'kubernetes';
  readonly etcdEndpoints?: string;
  readonly kubeconfig?: string;
  readonly nodename?: string;
  /** 0: the MTU file written by `gingham node`. */
  readonly mtu?: number;
  /** gingham-ipam (default) or host-local with the node's pod CIDR. */
  readonly ipam?: 'gingham-ipam' | 'host-local';
  /** Chain the reference portmap plugin for hostPort (as Calico's manifest does). Default true. */
  readonly portmap?: boolean;
  readonly logLevel?: string;
  /** One line per invocation; default /var/log/gingham/cni/cni.log (Calico: /var/log/calico/cni/cni.log). */
  readonly logFilePath?: string;
  /** The node agent's CNI socket: the installed shim forwards to it (cni/forward.ts); absent: the plugin runs standalone. */
  readonly cniSocket?: string;
}

export const DEFAULT_CNI_LOG = '/var/log/gingham/cni/cni.log';

/** The conflist the runtime reads (Calico manifests/calico.yaml cni_network_config, with Gingham's names). */
export function buildConflist(o: ConflistOptions): Record<string, unknown> {
  const plugin: Record<string, unknown> = {
    type: 'gingham',
    log_level: o.logLevel ?? 'info',
    log_file_path: o.logFilePath ?? DEFAULT_CNI_LOG,
    datastore_type: o.datastoreType,
    mtu: o.mtu ?? 0,
    ipam: o.ipam === 'host-local' ? { type: 'host-local', subnet: 'usePodCidr' } : { type: 'gingham-ipam' },
  };
  if (o.nodename) plugin.nodename = o.nodename;
  if (o.cniSocket) plugin.cni_socket = o.cniSocket;
  if (o.datastoreType === 'etcdv3') plugin.etcd_endpoints = o.etcdEndpoints ?? '';
  if (o.kubeconfig) plugin.kubernetes = { kubeconfig: o.kubeconfig };
  const plugins: unknown[] = [plugin];
  if (o.portmap ?? true) plugins.push({ type: 'portmap', snat: true, capabilities: { portMappings: true } });
  return { name: NETWORK_NAME, cniVersion: '1.0.0', plugins };
}

/** A POSIX shell wrapper that runs a Node entry point with the same environment, stdin and arguments. */
export function wrapperScript(node: string, entry: string): string {
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  return `#!/bin/sh\n# Installed by gingham cni install.\nexec ${q(node)} ${q(entry)} "$@"\n`;
}

function writeAtomic(file: string, text: string, mode: number): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

/** Where scripts/build-native.js leaves the compiled CNI shim (from src/cni or dist/cni alike). */
export const CNI_SHIM_BINARY = path.join(__dirname, '..', '..', 'build', 'Release', 'gingham-cni-shim');

/** The compiled shim when it has been built, else undefined (the Node wrappers are installed alone). */
export function builtShim(file = CNI_SHIM_BINARY): string | undefined {
  return existsSync(file) ? file : undefined;
}

export interface InstallOptions {
  readonly binDir: string;
  readonly confDir: string;
  /** Absolute paths of the built entry points, by executable name. */
  readonly entries: Readonly<Record<'gingham' | 'gingham-ipam', string>>;
  readonly node: string;
  readonly conflist: Record<string, unknown>;
  /** The compiled shim (CNI_SHIM_BINARY) to install as the executables, the Node wrappers becoming `<name>-node`. */
  readonly shim?: string;
}

/** Writes the conflist (atomically); returns its path. */
export function writeConflist(confDir: string, conflist: Record<string, unknown>): string {
  mkdirSync(confDir, { recursive: true });
  const conf = path.join(confDir, CONFLIST_NAME);
  writeAtomic(conf, JSON.stringify(conflist, null, 2) + '\n', 0o644);
  return conf;
}

/** Writes the CNI plugin's kubeconfig (cni-kubeconfig.ts) beside the conflist, mode 0600; returns its path. */
export function writeCniKubeconfig(confDir: string, text: string): string {
  mkdirSync(confDir, { recursive: true });
  const file = path.join(confDir, CNI_KUBECONFIG_NAME);
  writeAtomic(file, text, 0o600);
  return file;
}

/** Writes the executables and the conflist; returns the files written. */
export function installCni(o: InstallOptions): string[] {
  mkdirSync(o.binDir, { recursive: true });
  mkdirSync(o.confDir, { recursive: true });
  const written: string[] = [];
  for (const [name, entry] of Object.entries(o.entries)) {
    const file = path.join(o.binDir, name);
    if (o.shim === undefined) {
      writeAtomic(file, wrapperScript(o.node, entry), 0o755);
      written.push(file);
      continue;
    }
    writeAtomic(`${file}-node`, wrapperScript(o.node, entry), 0o755);
    const tmp = path.join(o.binDir, `.${name}.tmp-${process.pid}`);
    copyFileSync(o.shim, tmp);
    chmodSync(tmp, 0o755);
    renameSync(tmp, file);
    written.push(file, `${file}-node`);
  }
  written.push(writeConflist(o.confDir, o.conflist));
  return written;
}
