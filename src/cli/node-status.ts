// `gingham node status`: the text `calicoctl node status` prints, with the product name changed, so operators'
// eyes and scripts carry over:
//
//   Gingham process is running.
//
//   IPv4 BGP status
//   +--------------+-------------------+-------+----------+-------------+
//   | PEER ADDRESS |     PEER TYPE     | STATE |  SINCE   |    INFO     |
//   +--------------+-------------------+-------+----------+-------------+
//   | 10.0.0.15    | node-to-node mesh | up    | 03:57:22 | Established |
//   +--------------+-------------------+-------+----------+-------------+
//
//   IPv6 BGP status
//   No IPv6 peers found.
//
// STATE and INFO follow BIRD's `show protocols` (what calicoctl reads): STATE is up when Established, down when
// administratively stopped, start otherwise; INFO is the BGP state, then the last error.
import type { NodeStatusDatastore, NodeStatusPeer } from '../api/wire/node-status';
import { CliExit } from './run';
import { boxTable } from './table';

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** BIRD's SINCE: the time of day for today, the date for anything older (in the agent's local time). */
export function formatSince(since: number, now: number): string {
  const d = new Date(since);
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

export function birdState(p: NodeStatusPeer): { state: string; info: string } {
  if (p.notStarted !== undefined) return { state: 'down', info: `Not started: ${p.notStarted}` };
  const state = p.state === 'Established' ? 'up' : 'start';
  const info = p.state === 'Established' || !p.lastError ? p.state : `${p.state} ${p.lastError}`;
  return { state, info };
}

function familyTable(label: string, peers: readonly NodeStatusPeer[], now: number): string {
  if (peers.length === 0) return `${label} BGP status\nNo ${label} peers found.\n`;
  const rows = peers.map((p) => {
    const { state, info } = birdState(p);
    return [p.address, p.type, state, formatSince(p.since, now), info];
  });
  return `${label} BGP status\n${boxTable(['PEER ADDRESS', 'PEER TYPE', 'STATE', 'SINCE', 'INFO'], rows)}`;
}

/** Gingham's line under the running line (calicoctl has none): whether the agent's datastore answers. */
export function formatDatastore(d: NodeStatusDatastore, now: number): string {
  if (d.connected) return `Datastore (${d.backend}) reachable since ${formatSince(d.since, now)}.`;
  const seconds = Math.max(0, Math.round((now - d.since) / 1000));
  return `Datastore (${d.backend}) UNREACHABLE for ${seconds} s, since ${formatSince(d.since, now)}: ${d.lastError ?? 'unknown cause'}. Routing continues on the last state read.`;
}

export function formatNodeStatus(peers: readonly NodeStatusPeer[], now: number, datastore?: NodeStatusDatastore): string {
  const v4 = peers.filter((p) => !p.address.includes(':'));
  const v6 = peers.filter((p) => p.address.includes(':'));
  const store = datastore === undefined ? '' : `${formatDatastore(datastore, now)}\n`;
  return `Gingham process is running.\n${store}\n${familyTable('IPv4', v4, now)}\n${familyTable('IPv6', v6, now)}\n`;
}

/** What `node status` prints when no agent answers on the status socket (calicoctl's wording, our name). */
export const NOT_RUNNING = 'Gingham process is not running.\n';

/**
 * One call to the node agent's status API (`node status`, `policy stats`): an agent that is not there ends the command
 * with NOT_RUNNING. gRPC is loaded here, not at the top: every other command would pay for it (program.ts).
 */
export async function callNodeAgent<T>(statusSocket: string, method: string, timeoutMs: number): Promise<T> {
  const [{ nodeStatusClient }, { UnreachableError }] = await Promise.all([import('../node/status-api'), import('../lib/unix-grpc')]);
  const client = nodeStatusClient(statusSocket);
  try {
    return await client.call<T>(method, {}, timeoutMs);
  } catch (err) {
    if (err instanceof UnreachableError && err.nothingAnswered) throw new CliExit(1, NOT_RUNNING.trimEnd());
    throw err;
  } finally {
    client.close();
  }
}
