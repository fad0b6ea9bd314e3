// The DELs the installed shim queued while the agent's socket was not reachable (native/cni-shim.c writes one file per
// container, interface and plugin under api/wire/cni.ts CNI_DEL_QUEUE_DIR, holding the request it would have sent).
// The agent replays each through its own CNI service, exactly as if the shim had reached it: the DEL releases the
// container's IPAM handle ("<network>.<containerID>"), deletes the WorkloadEndpoint only when it still names this
// container and the host veth only then (plugin-gingham.ts cmdDel), so a DEL replayed late cannot take anything from
// a newer sandbox of the same pod (a new container ID, hence a new handle; Calico's k8s.go DEL compares the
// endpoint's containerID the same way). A DEL queued for a container ID that is later used again is replayed before
// that container's next request (CniServer), so the runtime's order holds.
// Owns: reading, replaying and removing queue entries. Not: the entry format (api/wire/cni.ts), its writer (the
// shim) nor the DEL itself.
import { readdir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { queuedContainer, queuedRequestProblem, type CniWireReply, type CniWireRequest } from '../api/wire/cni';
import type { Logger } from '../lib/logger';

/** The queue folder, narrowed to what draining needs (fsDelQueue on the real one). */
export interface DelQueueStore {
  /** Entry names (whole files only: names starting with "." are a shim's temporary files). */
  list(): Promise<string[]>;
  /** An entry's text, or undefined when it is gone (replayed by another drain). */
  read(name: string): Promise<string | undefined>;
  remove(name: string): Promise<void>;
}

const isMissing = (err: unknown): boolean => (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

export function fsDelQueue(dir: string): DelQueueStore {
  return {
    list: async () => {
      try {
        return (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
      } catch (err) {
        if (isMissing(err)) return [];
        throw err;
      }
    },
    read: async (name) => {
      try {
        return await readFile(path.join(dir, name), 'utf8');
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },
    remove: async (name) => {
      await unlink(path.join(dir, name)).catch((err: unknown) => {
        if (!isMissing(err)) throw err;
      });
    },
  };
}

/**
 * CNI error codes that say the request itself is wrong (SPEC.md "Error": 1-7: version, field, container, command,
 * I/O, decoding, configuration): replaying it again cannot succeed, so such an entry is discarded, not kept.
 */
const PERMANENT_CODES = new Set([1, 2, 3, 4, 5, 6, 7]);

function errorCode(stdout: string): number | undefined {
  try {
    const code = (JSON.parse(stdout) as { code?: unknown }).code;
    return typeof code === 'number' ? code : undefined;
  } catch {
    return undefined;
  }
}

export interface DrainDeps {
  readonly queue: DelQueueStore;
  /** Runs one DEL through the CNI service (without taking the container's lock: withLock does). */
  readonly replay: (req: CniWireRequest) => Promise<CniWireReply>;
  /** Runs fn holding the container's lock; identity when the caller already holds it. */
  readonly withLock: <T>(container: string, fn: () => Promise<T>) => Promise<T>;
  readonly log: Logger;
}

export interface DrainResult {
  /** Entries replayed with success and removed. */
  readonly replayed: string[];
  /** Entries whose DEL failed; kept for the next drain. */
  readonly failed: string[];
  /** Entries that were not DEL requests (or not readable as one), or whose DEL can never succeed; removed. */
  readonly discarded: string[];
}

/**
 * Replays the queued DELs (only the given container's when `container` is set), one at a time, each read under its
 * container's lock so that an entry another drain has replayed meanwhile is not replayed twice. Logs what it did.
 */
export async function drainDelQueue(deps: DrainDeps, container?: string): Promise<DrainResult> {
  const result: DrainResult = { replayed: [], failed: [], discarded: [] };
  const names = (await deps.queue.list()).filter((n) => container === undefined || queuedContainer(n) === container);
  for (const name of names) {
    const owner = queuedContainer(name);
    if (owner === undefined) {
      deps.log.warn(`CNI DEL queue: ${name} is not a queue entry name; removed`);
      await deps.queue.remove(name);
      result.discarded.push(name);
      continue;
    }
    await deps.withLock(owner, async () => {
      const text = await deps.queue.read(name);
      if (text === undefined) return;
      const problem = queuedRequestProblem(text);
      if (problem !== undefined) {
        deps.log.warn(`CNI DEL queue: ${name} discarded: ${problem}`);
        await deps.queue.remove(name);
        result.discarded.push(name);
        return;
      }
      const reply = await deps.replay(JSON.parse(text) as CniWireRequest);
      if (reply.exitCode === 0) {
        await deps.queue.remove(name);
        result.replayed.push(name);
        deps.log.info(`CNI DEL queue: replayed the DEL of container ${owner} (${name})`);
      } else if (PERMANENT_CODES.has(errorCode(reply.stdout) ?? 0)) {
        await deps.queue.remove(name);
        result.discarded.push(name);
        deps.log.warn(`CNI DEL queue: the DEL of container ${owner} was refused; discarded: ${reply.stdout.trim()}`);
      } else {
        result.failed.push(name);
        deps.log.warn(`CNI DEL queue: the DEL of container ${owner} failed; kept for the next drain: ${reply.stdout.trim()}`);
      }
    });
  }
  return result;
}
