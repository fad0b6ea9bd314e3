// `gingham lab down`: removes everything `up` made, also after a crash: the daemons by PID (recorded PIDs that still
// belong to this lab, and any process inside the lab's namespaces), exactly the namespaces state.json names (their
// links, bridges and routes go with them; never a prefix match, so another lab whose prefix extends this one's is left
// alone), its hold on nf_log_all_netns, then the state directory. `up` writes state.json before it creates anything,
// so a crashed `up` is covered.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { listNamespaces, namespacePids, runOk, stopPids, type LabSys } from './lab-sys';
import { releaseNetnsLog } from './lab-netns-log';
import { labNamespaces, labPaths, readState, recordedPids } from './lab-state';

export interface LabDownReport {
  readonly stopped: readonly number[];
  readonly namespaces: readonly string[];
  readonly removedDir: boolean;
}

/** A recorded PID is ours only while its command line names the lab's state directory (PIDs get reused). */
function ownedBy(pid: number, dir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((a) => a.includes(dir));
  } catch {
    return false;
  }
}

export async function labDown(stateDir: string, sys: LabSys): Promise<LabDownReport> {
  const p = labPaths(stateDir);
  let mine: string[] = [];
  let netnsLog = false;
  try {
    const st = readState(p);
    mine = labNamespaces(st);
    netnsLog = st.netnsLog === true;
  } catch {
    // no state.json: `up` never got as far as creating a namespace; only recorded PIDs can be ours
  }
  const existing = new Set(listNamespaces(sys));
  const namespaces = mine.filter((n) => existing.has(n));
  const pids = new Set<number>(recordedPids(p).filter((pid) => ownedBy(pid, stateDir)));
  for (const ns of namespaces) for (const pid of namespacePids(sys, ns)) if (pid !== process.pid) pids.add(pid);
  const stopped = [...pids];
  await stopPids(sys, stopped);
  // Pods first, nodes, then the LAN namespace: deleting a namespace deletes its links and routes.
  const order = [...namespaces].sort((a, b) => b.length - a.length);
  for (const ns of order) runOk(sys, 'ip', ['netns', 'delete', ns]);
  // The machine-wide nf_log_all_netns goes back to what it was once no other lab needs it.
  if (netnsLog) await releaseNetnsLog(sys, stateDir);
  // Only a directory the lab made is removed (never a --state-dir that holds something else).
  const ours = [p.stateFile, p.pidDir, p.logDir].some((f) => existsSync(f));
  if (ours) rmSync(stateDir, { recursive: true, force: true });
  const removedDir = ours && !existsSync(stateDir);
  return { stopped, namespaces, removedDir };
}
