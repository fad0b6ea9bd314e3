// Delegation to another IPAM plugin executable, as the CNI specification's IP Allocation section describes: the
// plugin named by ipam.type is looked up in CNI_PATH (then /opt/cni/bin and Debian's /usr/lib/cni), run with the same
// CNI_* environment and the network configuration on stdin, and its result or error JSON is passed on. Used for
// `ipam: {type: host-local}` (the reference plugin from containernetworking-plugins); for host-local,
// `subnet: usePodCidr` is first replaced with the node's pod CIDR (Calico utils.ReplaceHostLocalIPAMPodCIDRs).
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import type { NetConf } from './cni-config';
import type { CniCommand } from './cni-env';
import { CNI_ERR, CniError, type CniErrorCode } from './cni-error';
import { parseResult, type CniResult } from './cni-result';
import { describeError } from '../lib/errors';

export const DEFAULT_PLUGIN_DIRS: readonly string[] = ['/opt/cni/bin', '/usr/lib/cni'];

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs an executable with env and stdin; resolves with its exit status and output. */
export type ExecPlugin = (file: string, env: NodeJS.ProcessEnv, stdin: string, timeoutMs: number) => Promise<ExecResult>;

export const execPlugin: ExecPlugin = (file, env, stdin, timeoutMs) =>
  new Promise((resolve, reject) => {
    const child = spawn(file, [], { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    child.stdin.end(stdin);
  });

function isExecutable(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable named `type` in the search path; code 7 naming the places looked in when there is none. */
export function findPlugin(type: string, cniPath: readonly string[], exists: (f: string) => boolean = isExecutable): string {
  if (!/^[A-Za-z0-9._-]+$/.test(type)) throw new CniError(CNI_ERR.INVALID_CONFIG, `network configuration: ipam.type "${type}" is not a plugin name`);
  const dirs = [...cniPath, ...DEFAULT_PLUGIN_DIRS.filter((d) => !cniPath.includes(d))];
  for (const d of dirs) {
    const f = path.join(d, type);
    if (exists(f)) return f;
  }
  throw new CniError(CNI_ERR.INVALID_CONFIG, `IPAM plugin "${type}" not found in ${dirs.join(':')}`);
}

/** The configuration host-local gets: ipam.subnet "usePodCidr" replaced with the node's pod CIDR. */
export function hostLocalConf(conf: NetConf, podCidr: () => Promise<string>): Promise<Record<string, unknown>> {
  return (async () => {
    const ipam: Record<string, unknown> = { ...conf.ipam.raw };
    if (conf.ipam.subnet === 'usePodCidr') ipam.subnet = await podCidr();
    return { ...conf.raw, ipam };
  })();
}

export interface DelegateOptions {
  readonly exec: ExecPlugin;
  readonly env: NodeJS.ProcessEnv;
  readonly cniPath: readonly string[];
  readonly timeoutMs?: number;
}

/** Runs the IPAM plugin for `command`; returns its parsed result for ADD, undefined otherwise. */
export async function delegateIpam(command: CniCommand, type: string, netconf: Record<string, unknown>, opts: DelegateOptions): Promise<CniResult | undefined> {
  const file = findPlugin(type, opts.cniPath);
  let res: ExecResult;
  try {
    res = await opts.exec(file, { ...opts.env, CNI_COMMAND: command }, JSON.stringify(netconf), opts.timeoutMs ?? 60_000);
  } catch (err) {
    throw new CniError(CNI_ERR.IO, `running IPAM plugin ${file} failed`, describeError(err), { cause: err });
  }
  if (res.code !== 0) {
    let e: { code?: unknown; msg?: unknown; details?: unknown } | undefined;
    try {
      e = JSON.parse(res.stdout) as typeof e;
    } catch {
      e = undefined;
    }
    const code = typeof e?.code === 'number' ? (e.code as CniErrorCode) : CNI_ERR.OTHER;
    const msg = typeof e?.msg === 'string' ? e.msg : `exit status ${res.code}`;
    const details = typeof e?.details === 'string' && e.details !== '' ? e.details : res.stderr.trim() || undefined;
    throw new CniError(code, `IPAM plugin ${type}: ${msg}`, details);
  }
  if (command !== 'ADD') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.stdout);
  } catch {
    throw new CniError(CNI_ERR.DECODE, `IPAM plugin ${type} printed a result that is not JSON`, res.stdout.slice(0, 200));
  }
  return parseResult(parsed, `${type} result`);
}
