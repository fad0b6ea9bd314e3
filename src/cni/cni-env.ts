// The CNI_* environment variables a runtime passes a plugin (SPEC.md "Parameters"), parsed and checked. Failures are
// CniError code 4 (invalid environment variables) naming the variable. Pure: takes the environment as a map.
import { CNI_ERR, CniError } from './cni-error';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'STATUS';
const COMMANDS: readonly CniCommand[] = ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS'];

export interface CniEnv {
  readonly command: CniCommand;
  readonly containerId: string;
  /** Empty on DEL when the namespace is already gone (the spec allows it). */
  readonly netns: string;
  readonly ifName: string;
  /** CNI_ARGS as key/value pairs ("K8S_POD_NAME=x;K8S_POD_NAMESPACE=y"). */
  readonly args: ReadonlyMap<string, string>;
  readonly path: readonly string[];
}

/** Container IDs: alphanumeric first, then alphanumerics, "_", "." or "-" (SPEC.md "Parameters"). */
const CONTAINER_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Linux interface names: 1..15 bytes, not "." or "..", no "/", ":" or whitespace. */
export function isValidIfName(name: string): boolean {
  return name.length > 0 && Buffer.byteLength(name) < 16 && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

export function parseCniArgs(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new CniError(CNI_ERR.INVALID_ENV, `CNI_ARGS: "${part}" is not KEY=VALUE`);
    out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

/** The command alone (VERSION needs nothing else); code 4 when absent or unknown. */
export function parseCommand(env: NodeJS.ProcessEnv): CniCommand {
  const cmd = env.CNI_COMMAND;
  if (cmd === undefined || cmd === '') throw new CniError(CNI_ERR.INVALID_ENV, 'CNI_COMMAND is not set');
  if (!COMMANDS.includes(cmd as CniCommand)) {
    throw new CniError(CNI_ERR.INVALID_ENV, `CNI_COMMAND "${cmd}" is not one of ${COMMANDS.join(', ')}`);
  }
  return cmd as CniCommand;
}

export function parseEnv(env: NodeJS.ProcessEnv): CniEnv {
  const command = parseCommand(env);
  const need = (name: string): string => {
    const v = env[name];
    if (v === undefined || v === '') throw new CniError(CNI_ERR.INVALID_ENV, `${name} is required for ${command}`);
    return v;
  };
  const perContainer = command === 'ADD' || command === 'DEL' || command === 'CHECK';
  const containerId = perContainer ? need('CNI_CONTAINERID') : (env.CNI_CONTAINERID ?? '');
  if (perContainer && !CONTAINER_ID_RE.test(containerId)) {
    throw new CniError(CNI_ERR.INVALID_ENV, `CNI_CONTAINERID "${containerId}" must start with a letter or digit and contain only letters, digits, "_", "." and "-"`);
  }
  // DEL may come after the namespace is gone; ADD and CHECK need it.
  const netns = command === 'ADD' || command === 'CHECK' ? need('CNI_NETNS') : (env.CNI_NETNS ?? '');
  const ifName = perContainer ? need('CNI_IFNAME') : (env.CNI_IFNAME ?? '');
  if (perContainer && !isValidIfName(ifName)) {
    throw new CniError(CNI_ERR.INVALID_ENV, `CNI_IFNAME "${ifName}" is not a Linux interface name (1-15 characters, no "/", ":" or spaces)`);
  }
  return {
    command,
    containerId,
    netns,
    ifName,
    args: parseCniArgs(env.CNI_ARGS ?? ''),
    path: (env.CNI_PATH ?? '').split(':').filter((p) => p !== ''),
  };
}
