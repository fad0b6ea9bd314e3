// Test support: runs the `gingham` command tree in-process on a MemoryDatastore, capturing what it prints, as the
// binary would (same program, same runCli exit-code mapping as cmd/gingham.ts). The store
// survives between runs (its close() is not forwarded), so a test can apply and then get.
import type { Datastore } from '../../datastore';
import { MemoryDatastore } from '../../datastore/memory/memory-datastore';
import { FakeClock } from '../../lib/fake-clock';
import { nullLogger } from '../../lib/logger';
import type { ClientConfig, ConfigIo } from '../client-config';
import type { CliDeps } from '../deps';
import { buildProgram } from '../program';
import { runCli } from '../run';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliHarness {
  readonly store: MemoryDatastore;
  /** Configurations openDatastore was called with, in order. */
  readonly opened: ClientConfig[];
  /** Files the configuration loader sees (path -> text); everything else does not exist. */
  readonly files: Map<string, string>;
  readonly env: Record<string, string | undefined>;
  /** What `-f -` reads. */
  stdin: string;
  /** Runs `gingham <args...>`. */
  run(...args: string[]): Promise<RunResult>;
}

/** A Datastore that forwards everything but close(), so one MemoryDatastore outlives many commands. */
function unclosable(store: Datastore): Datastore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'close') return async () => undefined;
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

export function cliHarness(opts: { store?: MemoryDatastore; deps?: Partial<CliDeps> } = {}): CliHarness {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  let n = 0;
  const store = opts.store ?? new MemoryDatastore({ clock, newUid: () => `uid-${++n}` });
  const files = new Map<string, string>();
  const env: Record<string, string | undefined> = { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: 'http://127.0.0.1:2379' };
  const opened: ClientConfig[] = [];
  const configIo: ConfigIo = {
    readFile: (p) => files.get(p),
    exists: (p) => files.has(p),
    env,
  };
  const h: CliHarness = {
    store,
    opened,
    files,
    env,
    stdin: '',
    async run(...args) {
      let stdout = '';
      let stderr = '';
      const deps: CliDeps = {
        clock,
        transport: { connect: () => Promise.reject(new Error('no network in CLI unit tests')) },
        listener: { listen: () => Promise.reject(new Error('no network in CLI unit tests')) },
        logger: () => nullLogger,
        stdout: (t) => void (stdout += t),
        stderr: (t) => void (stderr += t),
        waitForSignal: () => new Promise(() => undefined),
        readStdin: async () => h.stdin,
        configIo,
        openDatastore: async (cfg) => {
          opened.push(cfg);
          return unclosable(store);
        },
        ...opts.deps,
      };
      const code = await runCli(buildProgram(deps), ['node', 'gingham', ...args], deps.stderr);
      return { code, stdout, stderr };
    },
  };
  return h;
}
