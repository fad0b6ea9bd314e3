// The lab's state directory (default /var/run/gingham-lab): state.json describing what `up` built (read by status,
// exec, apply and down), one PID file per daemon written the moment it starts (so `down` finds them after a crash),
// logs, the etcd data, the CNI executables and the per-node files (status socket, nodename, MTU).
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LabEncap, LabTopology } from './lab-topology';
import { GinghamError } from '../lib/errors';

export const DEFAULT_LAB_DIR = '/var/run/gingham-lab';
export const DEFAULT_LAB_PREFIX = 'glab-';

export interface LabPodState {
  readonly name: string;
  readonly node: string;
  readonly namespace: string;
  readonly ip?: string;
  readonly error?: string;
}

export interface LabState {
  readonly prefix: string;
  readonly stateDir: string;
  readonly encap: LabEncap;
  readonly topology: LabTopology;
  readonly etcdPid?: number;
  readonly agentPids: Readonly<Record<string, number>>;
  readonly pods: readonly LabPodState[];
  readonly warnings: readonly string[];
}

export interface LabPaths {
  readonly dir: string;
  readonly stateFile: string;
  readonly pidDir: string;
  readonly logDir: string;
  readonly etcdData: string;
  readonly binDir: string;
  readonly cniBinDir: string;
  readonly cniConfDir: string;
  nodeDir(node: string): string;
  statusSocket(node: string): string;
}

export function labPaths(dir: string): LabPaths {
  return {
    dir,
    stateFile: path.join(dir, 'state.json'),
    pidDir: path.join(dir, 'pids'),
    logDir: path.join(dir, 'logs'),
    etcdData: path.join(dir, 'etcd'),
    binDir: path.join(dir, 'bin'),
    cniBinDir: path.join(dir, 'cni', 'bin'),
    cniConfDir: path.join(dir, 'cni', 'net.d'),
    nodeDir: (node) => path.join(dir, 'nodes', node),
    statusSocket: (node) => path.join(dir, 'nodes', node, 'node.sock'),
  };
}

export function writeState(p: LabPaths, s: LabState): void {
  const tmp = `${p.stateFile}.tmp`;
  writeFileSync(tmp, JSON.stringify(s, null, 2) + '\n');
  renameSync(tmp, p.stateFile);
}

export class LabNotUpError extends GinghamError {
  constructor(dir: string) {
    super('LabNotUp', `no lab in ${dir} (start one with: gingham lab up)`);
  }
}

export function readState(p: LabPaths): LabState {
  let text: string;
  try {
    text = readFileSync(p.stateFile, 'utf8');
  } catch {
    throw new LabNotUpError(p.dir);
  }
  return JSON.parse(text) as LabState;
}

export function recordPid(p: LabPaths, name: string, pid: number): void {
  mkdirSync(p.pidDir, { recursive: true });
  writeFileSync(path.join(p.pidDir, `${name}.pid`), `${pid}\n`);
}

/** Every PID recorded under pids/ (including those of a lab whose `up` crashed before state.json). */
export function recordedPids(p: LabPaths): number[] {
  let files: string[];
  try {
    files = readdirSync(p.pidDir);
  } catch {
    return [];
  }
  return files
    .filter((f) => f.endsWith('.pid'))
    .map((f) => Number(readFileSync(path.join(p.pidDir, f), 'utf8').trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}
