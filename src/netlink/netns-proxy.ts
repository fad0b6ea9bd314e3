// The client half of the namespace bridge: spawns a child that runs inside another network namespace
// (netns-child.ts) and returns a Netlink whose every call is one JSON line to it (netns-wire.ts). Errors come back as
// NetlinkError, so code written against Netlink works unchanged on the far side of a namespace boundary.
//
// Every call has a deadline; stop() ends the child by closing its stdin, and kills it by PID if it does not exit in
// time. The caller owns the proxy and must stop() it.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Netlink, NetnsRef } from './netlink';
import { errorFromWire, reviveValue, type WireReply } from './netns-wire';

export type NetnsNetlink = Netlink & { stop(): Promise<void> };

export interface NetnsProxyOptions {
  /** The command that starts the child inside the namespace: argv[0] and its arguments. */
  readonly argv: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Deadline of one call. Default 20 s. */
  readonly callTimeoutMs?: number;
  /** How long stop() waits for the child to exit before killing it. Default 5 s. */
  readonly stopTimeoutMs?: number;
}

/** The built child entry point next to this module (dist/netlink/netns-child.js once compiled). */
export function netnsChildScript(): string {
  return path.join(__dirname, 'netns-child.js');
}

/**
 * argv that runs the child inside the namespace a file names (/var/run/netns/X, /proc/PID/ns/net) or a pid's:
 * nsenter(1) takes a path, where `ip netns exec` takes only names under /var/run/netns.
 */
export function nsenterArgv(ref: NetnsRef, script = netnsChildScript(), node = process.execPath): string[] {
  const target = 'pid' in ref ? `/proc/${ref.pid}/ns/net` : ref.path;
  return ['nsenter', `--net=${target}`, node, script];
}

export function startNetnsNetlink(opts: NetnsProxyOptions): NetnsNetlink {
  const [cmd, ...args] = opts.argv;
  if (cmd === undefined) throw new Error('startNetnsNetlink: empty argv');
  const callTimeoutMs = opts.callTimeoutMs ?? 20000;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 5000;
  const child: ChildProcessWithoutNullStreams = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let stderr = '';
  let exited = false;
  let nextId = 1;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  // A failed spawn (nsenter missing) surfaces through 'exit' below as well; keep it from crashing the process.
  child.on('error', (err) => {
    stderr += String(err);
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    let r: WireReply;
    try {
      r = JSON.parse(line) as WireReply;
    } catch {
      stderr += line;
      return;
    }
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    clearTimeout(p.timer);
    if (r.ok) p.resolve(reviveValue(r.value));
    else p.reject(errorFromWire(r.error ?? { name: 'Error', code: 'UNKNOWN', message: line }));
  });
  const exitedPromise = new Promise<void>((resolve) => {
    child.on('close', (code, signal) => {
      exited = true;
      for (const p of pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`netns child exited (${code ?? signal}): ${stderr.trim()}`));
      }
      pending.clear();
      resolve();
    });
  });

  const call = (method: string, callArgs: unknown[]): Promise<unknown> => {
    if (exited) return Promise.reject(new Error(`netns child already exited: ${stderr.trim()}`));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`netns child: ${method} timed out after ${callTimeoutMs} ms; stderr: ${stderr.trim()}`));
      }, callTimeoutMs);
      pending.set(id, { resolve, reject, timer });
      child.stdin.write(JSON.stringify({ id, method, args: callArgs }) + '\n');
    });
  };

  const stop = async (): Promise<void> => {
    if (!exited) child.stdin.end();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), stopTimeoutMs);
    });
    const outcome = await Promise.race([exitedPromise, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout' && child.pid !== undefined) {
      child.kill('SIGKILL');
      await exitedPromise;
    }
  };

  return new Proxy({} as NetnsNetlink, {
    get(_t, prop) {
      if (prop === 'stop') return stop;
      if (prop === 'close') return () => void stop();
      if (prop === 'then') return undefined; // not a thenable
      return (...a: unknown[]) => call(String(prop), a);
    },
  });
}
