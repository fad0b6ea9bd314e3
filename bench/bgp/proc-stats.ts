// What the benchmark reads about processes and connections: CPU seconds (utime+stime, all threads), start time and
// state from /proc/PID/stat, VmRSS/VmHWM from /proc/PID/status, and the TCP payload bytes of one established
// connection from `ss -ti`. Also stops a process it started, by PID, checked against its start time (PID reuse).
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';

const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux for every architecture Node supports

export interface ProcStat {
  readonly state: string;
  readonly cpuS: number;
  readonly start: number;
}

export function procStat(pid: number): ProcStat | undefined {
  let s: string;
  try {
    s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { state: f[0] ?? '?', cpuS: (Number(f[11]) + Number(f[12])) / CLK_TCK, start: Number(f[19]) };
}

/** VmRSS and VmHWM in kB. */
export function procMem(pid: number): { rssKb?: number; hwmKb?: number } {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string): number | undefined => {
      const m = new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s);
      return m?.[1] !== undefined ? Number(m[1]) : undefined;
    };
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return {};
  }
}

/** Zombies count as dead: nobody may reap a daemon its start script left behind. */
export function alive(pid: number): boolean {
  const st = procStat(pid);
  return st !== undefined && st.state !== 'Z' && st.state !== 'X';
}

/** Bytes received on the established TCP connection local<->remote, or undefined. */
export function tcpBytesReceived(local: string, remote: string): number | undefined {
  const r = spawnSync('ss', ['-tinH', 'state', 'established', 'src', local, 'dst', remote], { encoding: 'utf8', timeout: 5000 });
  const m = /bytes_received:(\d+)/.exec(r.stdout ?? '');
  return m?.[1] !== undefined ? Number(m[1]) : r.status === 0 ? 0 : undefined;
}

export interface Started {
  readonly name: string;
  readonly pid: number;
  readonly start: number | undefined;
}

export function started(name: string, pid: number): Started {
  return { name, pid, start: procStat(pid)?.start };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after graceMs; only if the PID is still the process we started. */
export async function stopStarted(p: Started, graceMs = 10000): Promise<void> {
  const same = (): boolean => p.start !== undefined && procStat(p.pid)?.start === p.start && alive(p.pid);
  if (!same()) return;
  try {
    process.kill(p.pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!same()) return;
    await sleep(50);
  }
  if (same()) {
    process.stderr.write(`${p.name} pid ${p.pid} ignored SIGTERM for ${graceMs} ms: SIGKILL\n`);
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
