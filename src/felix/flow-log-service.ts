// The denied-flow log's lifecycle: reconcile(settings) opens the nflog socket and the log file when flow logs are
// switched on, closes them when switched off, and reopens them when a setting changes. The socket comes from an
// injected opener (NflogSocket in the agent, inside a namespace in tests). Counts are kept across reopenings so
// they can be exported as Prometheus counters.
import type { NflogPacket } from '../netlink/nflog-codec';
import { DeniedFlowLog, type DeniedFlowLogDeps, type DeniedFlowLogStats } from './denied-flow-log';
import type { FlowLogSettings } from './flow-log-settings';
import { RotatingFile } from './rotating-file';

export interface NflogHandle {
  readonly overruns: number;
  close(): void;
}

export type NflogOpener = (group: number, onPacket: (p: NflogPacket) => void) => Promise<NflogHandle>;

export type FlowLogServiceDeps = Omit<DeniedFlowLogDeps, 'file'> & { readonly open: NflogOpener };

export interface FlowLogStats extends DeniedFlowLogStats {
  /** Times the kernel found the socket's buffer full and dropped messages. */
  readonly overruns: number;
}

const ZERO: FlowLogStats = { logged: 0, written: 0, dropped: 0, ignored: 0, writeErrors: 0, overruns: 0 };

function add(a: FlowLogStats, b: FlowLogStats): FlowLogStats {
  return {
    logged: a.logged + b.logged,
    written: a.written + b.written,
    dropped: a.dropped + b.dropped,
    ignored: a.ignored + b.ignored,
    writeErrors: a.writeErrors + b.writeErrors,
    overruns: a.overruns + b.overruns,
  };
}

export class FlowLogService {
  private current: { key: string; log: DeniedFlowLog; socket: NflogHandle } | undefined;
  private closedTotals: FlowLogStats = ZERO;

  constructor(private readonly deps: FlowLogServiceDeps) {}

  /** Whether the log is running. */
  get running(): boolean {
    return this.current !== undefined;
  }

  async reconcile(settings: FlowLogSettings | undefined): Promise<void> {
    const key = settings ? JSON.stringify(settings) : '';
    if ((this.current?.key ?? '') === key) return;
    await this.close();
    if (!settings) return;
    const log = new DeniedFlowLog({ ...this.deps, file: new RotatingFile(settings.file, { maxBytes: settings.maxBytes, maxFiles: settings.maxFiles }) });
    const socket = await this.deps.open(settings.group, (p) => log.onPacket(p));
    this.current = { key, log, socket };
  }

  stats(): FlowLogStats {
    const c = this.current;
    return c ? add(this.closedTotals, { ...c.log.stats(), overruns: c.socket.overruns }) : this.closedTotals;
  }

  /** Waits for queued entries to be written. */
  async flush(): Promise<void> {
    await this.current?.log.flush();
  }

  async close(): Promise<void> {
    const c = this.current;
    if (!c) return;
    this.current = undefined;
    c.socket.close();
    await c.log.flush();
    this.closedTotals = add(this.closedTotals, { ...c.log.stats(), overruns: c.socket.overruns });
  }
}
