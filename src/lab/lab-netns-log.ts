// The one machine-wide setting the lab changes: net.netfilter.nf_log_all_netns. The kernel writes the lines of
// nftables' `log` statement (Calico's Log action, prefix "calico-packet: ") only for the initial network namespace
// unless this sysctl is 1 (nf_log_syslog.c); a real node's agent runs in the host's namespace, as calico-node does, and
// needs nothing, but every lab node is a namespace of its own. So `lab up` sets it to 1 and `lab down` restores it.
// Several labs may be up at once: a small file in /run lists the state directories of the labs that asked and the
// value found before the first; the last lab down (or a lab whose state directory is gone) puts that value back. The
// sysctl is writable only from the initial namespace; where that fails, `up` warns and runs on without Log lines.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { withFileLock, writeAtomic } from './lab-lock';
import { runOk, type LabSys } from './lab-sys';

export const NETNS_LOG_SYSCTL = 'net.netfilter.nf_log_all_netns';
export const NETNS_LOG_USERS = '/run/gingham-lab-nf-log.json';

interface Users {
  readonly original: string;
  readonly labs: readonly string[];
}

function readUsers(file: string): Users | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Users;
  } catch {
    return undefined;
  }
}

const lockDeps = (sys: LabSys): Parameters<typeof withFileLock>[1] => ({ alive: (pid) => sys.alive(pid), sleep: (ms) => sys.sleep(ms), pid: process.pid, now: Date.now });

/** Sets the sysctl to 1 for this lab; returns a warning when it cannot (the lab works, Log lines do not appear). */
export async function enableNetnsLog(sys: LabSys, stateDir: string, file = NETNS_LOG_USERS): Promise<string | undefined> {
  return withFileLock(`${file}.lock`, lockDeps(sys), () => {
    const had = readUsers(file);
    const original = had?.original ?? sys.run('sysctl', ['-n', NETNS_LOG_SYSCTL]).stdout.trim();
    if (original === '') return `${NETNS_LOG_SYSCTL}: not readable; Log rules write no lines from the lab's nodes`;
    const w = sys.run('sysctl', ['-q', '-w', `${NETNS_LOG_SYSCTL}=1`]);
    if (w.status !== 0) return `${NETNS_LOG_SYSCTL}=1: ${(w.stderr || w.stdout).trim()}; Log rules write no lines from the lab's nodes`;
    writeAtomic(file, JSON.stringify({ original, labs: [...new Set([...(had?.labs ?? []), stateDir])] }) + '\n');
    return undefined;
  });
}

/** Drops this lab (and labs whose state directory is gone); the last one out restores the value found first. */
export async function releaseNetnsLog(sys: LabSys, stateDir: string, file = NETNS_LOG_USERS): Promise<void> {
  await withFileLock(`${file}.lock`, lockDeps(sys), () => {
    const had = readUsers(file);
    if (!had) return;
    const labs = had.labs.filter((d) => d !== stateDir && existsSync(d));
    if (labs.length > 0) {
      writeAtomic(file, JSON.stringify({ ...had, labs }) + '\n');
      return;
    }
    runOk(sys, 'sysctl', ['-q', '-w', `${NETNS_LOG_SYSCTL}=${had.original}`]);
    rmSync(file, { force: true });
  });
}
