// Runs the built `gingham lab` (node dist/cmd/gingham.js) for e2e tests, each lab with its own namespace prefix and
// state directory so a leftover of another run never collides, and always torn down by `gingham lab down`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
export const GINGHAM = path.join(ROOT, 'dist/cmd/gingham.js');

export interface LabRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface LabStatusJson {
  nodes: Array<{ name: string; namespace: string; address: string; running: boolean; pid?: number; statusSocket: string }>;
  pods: Array<{ name: string; node: string; namespace: string; ip?: string }>;
  warnings: string[];
  etcd: { running: boolean; endpoint: string };
}

export class TestLab {
  readonly prefix: string;
  readonly stateDir: string;

  constructor(tag: string) {
    for (const f of [GINGHAM, path.join(ROOT, 'dist/cmd/cni-gingham.js'), path.join(ROOT, 'dist/netlink/netns-child.js')]) {
      if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\` before the lab e2e tests`);
    }
    // Short, unique: namespace names carry it.
    this.prefix = `gl${tag}${process.pid % 1000}${Date.now() % 1000}-`;
    this.stateDir = path.join(mkdtempSync(path.join(tmpdir(), 'gingham-e2e-lab-')), 'lab');
  }

  private get env(): NodeJS.ProcessEnv {
    return { ...process.env, GINGHAM_LAB_DIR: this.stateDir, GINGHAM_LAB_PREFIX: this.prefix };
  }

  run(args: readonly string[], timeoutMs = 60_000): LabRun {
    const r = spawnSync(process.execPath, [GINGHAM, ...args], { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', env: this.env });
    return { status: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
  }

  up(args: readonly string[]): LabRun {
    const r = this.run(['lab', 'up', ...args], 240_000);
    if (r.status !== 0) throw new Error(`gingham lab up ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  /**
   * `gingham ARGS` in a node as `lab exec NODE -- gingham ARGS` runs it (the node's namespace, the lab's etcd), without
   * lab exec's own process: for a test that calls it often.
   */
  ginghamInNodeAsync(node: string, etcdEndpoint: string, args: readonly string[], timeoutMs = 60_000): Promise<LabRun> {
    const env = { ...process.env, DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: etcdEndpoint };
    return spawnAsync('ip', ['netns', 'exec', this.namespace(node), process.execPath, GINGHAM, ...args], timeoutMs, env);
  }

  exec(target: string, cmd: readonly string[], timeoutMs = 30_000): LabRun {
    return this.run(['lab', 'exec', target, '--', ...cmd], timeoutMs);
  }

  status(): LabStatusJson {
    const r = this.run(['lab', 'status', '-o', 'json']);
    if (r.status !== 0) throw new Error(`lab status: ${r.stderr}`);
    return JSON.parse(r.stdout) as LabStatusJson;
  }

  namespace(name: string): string {
    return `${this.prefix}${name}`;
  }

  routes(node: string): string[] {
    const r = spawnSync('ip', ['-n', this.namespace(node), 'route', 'show'], { encoding: 'utf8', timeout: 10_000 });
    return r.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  }

  /** `lab down`; once it succeeded, the temporary directory the state lived in goes too (kept after a failure). */
  down(): LabRun {
    const r = this.run(['lab', 'down'], 60_000);
    if (r.status === 0) rmSync(path.dirname(this.stateDir), { recursive: true, force: true });
    return r;
  }

  leftovers(): string[] {
    const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8', timeout: 10_000 });
    return r.stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.startsWith(this.prefix));
  }
}

/** A command's exit status and output, killed after timeoutMs; a non-zero exit is a result, not an error. */
export function spawnAsync(cmd: string, args: readonly string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<LabRun> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => (stderr += String(err)));
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Waits (bounded) until fn() returns true; returns the last result. */
export async function eventually(fn: () => boolean, timeoutMs: number, stepMs = 500): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (fn()) return true;
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** The host's own links and routes, to prove the lab adds nothing to the machine's namespace. */
export function hostNetwork(): string {
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.replace(/^\d+:\s*/, '').split(/[:@]/)[0]).sort();
  const routes = spawnSync('ip', ['route', 'show'], { encoding: 'utf8' }).stdout;
  return `${links.join(',')}\n${routes}`;
}

/**
 * Captures on a lab namespace's interface while `action` runs: tcpdump (started and stopped by PID) until `count`
 * packets match or 5 s after the action; returns tcpdump's one-line-per-packet output.
 */
export async function captureWhile(ns: string, iface: string, filter: string, count: number, action: () => void): Promise<string> {
  const child = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-l', '-n', '-i', iface, '-c', String(count), filter], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => child.once('close', () => r()));
  try {
    const listening = await eventuallyAsync(() => err.includes('listening on') || child.exitCode !== null, 10_000);
    if (!listening || child.exitCode !== null) throw new Error(`tcpdump in ${ns} did not start: ${err}`);
    action();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  } finally {
    if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
  }
  return out;
}

async function eventuallyAsync(fn: () => boolean, timeoutMs: number): Promise<boolean> {
  return eventually(fn, timeoutMs, 50);
}

/**
 * `gingham lab apply|delete -f` of objects written as a file under `dir` (numbered, so a failing run leaves every
 * step's file to read); throws with the command's output when it fails.
 */
export function labObjects(lab: TestLab, dir: string): (verb: 'apply' | 'delete', objs: readonly unknown[]) => void {
  let files = 0;
  return (verb, objs) => {
    if (objs.length === 0) return;
    const file = path.join(dir, `${verb}-${files++}.yaml`);
    writeFileSync(file, objs.map((o) => JSON.stringify(o, null, 2)).join('\n---\n') + '\n');
    const r = lab.run(['lab', verb, '-f', file], 120_000);
    if (r.status !== 0) throw new Error(`gingham lab ${verb} -f ${file} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  };
}
