// Runs a real RtNetlink inside a network namespace for the e2e test. A jest worker cannot enter another namespace, so
// the Netlink lives in a child (`ip netns exec NS node netns-child.js`) and this module hands the test a proxy with the
// same methods, each call one JSON line. Errors come back as NetlinkError (IpipUnavailableError for that case) so the
// test asserts on the same typed errors the dataplane sees.
//
// The child is transpiled (typescript.transpileModule, no type check) from src/lib, src/netlink and netns-child.ts into
// a temp dir, so the test does not depend on a prior `npm run build` and runs the sources under test.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import ts from 'typescript';
import { IpipUnavailableError, NetlinkError } from '../../src/netlink/netlink-error';
import type { Netlink } from '../../src/netlink/netlink';

const ROOT = path.join(__dirname, '..', '..');
const CALL_TIMEOUT_MS = 20000;

/** Transpiles what the child needs into a fresh temp dir; returns the dir (delete it with removeBuild). */
export function buildChild(): string {
  const out = mkdtempSync(path.join(tmpdir(), 'gingham-nl-'));
  const dirs = ['src/lib', 'src/netlink'];
  const files = dirs.flatMap((d) =>
    readdirSync(path.join(ROOT, d))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => path.join(d, f)),
  );
  files.push('e2e/netlink/netns-child.ts');
  for (const rel of files) {
    const src = readFileSync(path.join(ROOT, rel), 'utf8');
    const js = ts.transpileModule(src, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: rel,
    }).outputText;
    const dest = path.join(out, rel.replace(/\.ts$/, '.js'));
    mkdirSync(path.dirname(dest), { recursive: true });
    writeFileSync(dest, js);
  }
  return out;
}

export function removeBuild(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: { name: string; code: string; errno?: string; op?: string; object?: string; message: string };
}

function toError(e: NonNullable<Reply['error']>): Error {
  if (e.name === 'IpipUnavailableError') return new IpipUnavailableError(e.object ?? '');
  if (e.errno !== undefined) {
    const err = new NetlinkError(e.errno, e.op ?? '', e.object ?? '');
    // Keep the child's exact text (it may carry a detail this side cannot rebuild).
    Object.defineProperty(err, 'message', { value: e.message });
    return err;
  }
  return new Error(`${e.code}: ${e.message}`);
}

/** Revives errors inside returned values (routeBatch results). */
function revive(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(revive);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o.ok === false && o.error && typeof o.error === 'object') return { ok: false, error: toError(o.error as NonNullable<Reply['error']>) };
    return o;
  }
  return v;
}

export type NetnsNetlink = Netlink & { stop(): Promise<void> };

/** Starts the child in namespace `ns` and returns a Netlink proxy talking to it. */
export function startInNetns(ns: string, buildDir: string): NetnsNetlink {
  const child: ChildProcessWithoutNullStreams = spawn('ip', ['netns', 'exec', ns, process.execPath, path.join(buildDir, 'e2e/netlink/netns-child.js')], {
    env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let stderr = '';
  let exited = false;
  let nextId = 1;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const r = JSON.parse(line) as Reply;
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    clearTimeout(p.timer);
    if (r.ok) p.resolve(revive(r.value === null ? undefined : r.value));
    else p.reject(toError(r.error ?? { name: 'Error', code: 'UNKNOWN', message: line }));
  });
  const exitedPromise = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = true;
      for (const p of pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`netns child exited (${code ?? signal}): ${stderr}`));
      }
      pending.clear();
      resolve();
    });
  });

  const call = (method: string, args: unknown[]): Promise<unknown> => {
    if (exited) return Promise.reject(new Error(`netns child already exited: ${stderr}`));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`netns child: ${method} timed out after ${CALL_TIMEOUT_MS} ms; stderr: ${stderr}`));
      }, CALL_TIMEOUT_MS);
      pending.set(id, { resolve, reject, timer });
      child.stdin.write(JSON.stringify({ id, method, args }) + '\n');
    });
  };

  const stop = async (): Promise<void> => {
    if (!exited) child.stdin.end();
    // Bounded wait; then kill this child by its PID (never by name).
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000).unref());
    if ((await Promise.race([exitedPromise, timeout])) === 'timeout' && child.pid !== undefined) {
      process.kill(child.pid, 'SIGKILL');
      await exitedPromise;
    }
  };

  return new Proxy({} as NetnsNetlink, {
    get(_t, prop) {
      if (prop === 'stop') return stop;
      if (prop === 'close') return () => void stop();
      if (prop === 'then') return undefined; // not a thenable
      return (...args: unknown[]) => call(String(prop), args);
    },
  });
}

/** Runs a command inside a namespace; throws with its output when it fails. */
export function inNetns(ns: string, cmd: string[], timeoutMs = 10000): string {
  const res = spawnSync('ip', ['netns', 'exec', ns, ...cmd], { encoding: 'utf8', timeout: timeoutMs });
  if (res.status !== 0) throw new Error(`ip netns exec ${ns} ${cmd.join(' ')}: status ${res.status}: ${res.stderr}${res.error ? String(res.error) : ''}`);
  return res.stdout;
}
