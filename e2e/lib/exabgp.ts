// Launcher for ExaBGP 4.2 on a loopback address: a well-behaved scripted peer whose received messages are logged as
// JSON and which can announce routes with arbitrary *raw path attributes* (`attribute [ 0xTYPE 0xFLAGS 0xVALUE ]`).
// For bytes ExaBGP's encoder cannot produce (broken headers, lengths, attribute lists) use raw-peer.ts instead.
//
// The API bridge: ExaBGP runs a small Python helper as its API process. The helper copies lines from a FIFO in the
// work dir to its stdout (ExaBGP reads commands there) and ExaBGP's JSON events from its stdin to events.jsonl. It
// exits when ExaBGP closes its stdin or when its parent changes, so it never outlives the daemon. ExaBGP's own
// CLI pipe (which lives in /run) is disabled; privileges are not dropped (the work dir is root's).
import { closeSync, constants, existsSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_NEXT_HOP, familyOf, type DaemonOptions, type NeighborSpec, type OriginateSpec } from './daemon-types';
import { run, spawnDaemon, stopProcess, waitFor, makeWorkDir, type ManagedProcess } from './process';

export const EXABGP_BIN = process.env.EXABGP_BIN ?? 'exabgp';
/** ExaBGP's own interpreter: the helper must run under the Python that has no pyenv shim in the way. */
export const EXABGP_PYTHON = process.env.EXABGP_PYTHON ?? '/usr/bin/python3';

const HELPER = `import os, select, sys
fifo, events = sys.argv[1], sys.argv[2]
parent = os.getppid()
fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
out = open(events, 'a')
buf = b''
while True:
    r, _, _ = select.select([fd, sys.stdin], [], [], 1.0)
    if os.getppid() != parent:
        break
    if sys.stdin in r:
        line = sys.stdin.readline()
        if line == '':
            break
        out.write(line)
        out.flush()
    if fd in r:
        buf += os.read(fd, 65536)
        while b'\\n' in buf:
            line, buf = buf.split(b'\\n', 1)
            sys.stdout.write(line.decode() + '\\n')
            sys.stdout.flush()
`;

/** One JSON event ExaBGP reported (encoder json): type is "open", "update", "notification", "keepalive", "state"... */
export interface ExabgpEvent {
  readonly type: string;
  readonly neighbor?: Record<string, unknown>;
  readonly [k: string]: unknown;
}

function routeLine(r: OriginateSpec, raw: readonly string[] = []): string {
  const parts = [`route ${r.prefix}`, `next-hop ${r.nextHop ?? DEFAULT_NEXT_HOP[familyOf(r.prefix)]}`];
  if (r.communities !== undefined && r.communities.length > 0) parts.push(`community [ ${r.communities.join(' ')} ]`);
  if (r.largeCommunities !== undefined && r.largeCommunities.length > 0) parts.push(`large-community [ ${r.largeCommunities.join(' ')} ]`);
  if (r.localPref !== undefined) parts.push(`local-preference ${r.localPref}`);
  if (r.med !== undefined) parts.push(`med ${r.med}`);
  for (const a of raw) parts.push(`attribute ${a}`);
  return parts.join(' ');
}

function neighborBlock(opts: DaemonOptions, n: NeighborSpec): string[] {
  const families = n.families.map((f) => `    ${f} unicast;`);
  const statics = (opts.originate ?? []).filter((r) => n.families.includes(familyOf(r.prefix))).map((r) => `    ${routeLine(r)};`);
  return [
    `neighbor ${n.address} {`,
    `  router-id ${opts.routerId};`,
    `  local-address ${n.localAddress ?? opts.listenAddress};`,
    `  local-as ${opts.asn};`,
    `  peer-as ${n.asn};`,
    ...(n.port !== undefined ? [`  peer-port ${n.port};`] : []),
    ...(n.holdTime !== undefined ? [`  hold-time ${n.holdTime};`] : []),
    ...(n.passive === true ? ['  passive true;'] : []),
    '  family {',
    ...families,
    '  }',
    ...(n.gracefulRestart === true ? ['  capability { graceful-restart 120; }'] : []),
    '  api {',
    '    processes [ bridge ];',
    '    receive { parsed; update; notification; open; keepalive; refresh; }',
    '    neighbor-changes;',
    '  }',
    ...(statics.length > 0 ? ['  static {', ...statics, '  }'] : []),
    '}',
  ];
}

export class ExabgpDaemon {
  private constructor(
    readonly opts: DaemonOptions,
    readonly workDir: string,
    readonly fifo: string,
    readonly eventsFile: string,
    readonly proc: ManagedProcess,
  ) {}

  get pid(): number {
    return this.proc.pid;
  }

  static renderConfig(opts: DaemonOptions, helper: string, fifo: string, events: string): string {
    return [
      'process bridge {',
      `  run ${EXABGP_PYTHON} -u ${helper} ${fifo} ${events};`,
      '  encoder json;',
      '}',
      ...opts.neighbors.flatMap((n) => neighborBlock(opts, n)),
      '',
    ].join('\n');
  }

  static async start(opts: DaemonOptions): Promise<ExabgpDaemon> {
    const workDir = makeWorkDir(`exabgp-${opts.listenAddress}`);
    const helper = join(workDir, 'bridge.py');
    const fifo = join(workDir, 'commands.fifo');
    const events = join(workDir, 'events.jsonl');
    writeFileSync(helper, HELPER);
    writeFileSync(events, '');
    const mk = await run('mkfifo', ['-m', '0600', fifo]);
    if (mk.code !== 0) throw new Error(`mkfifo failed: ${mk.stderr}`);
    const conf = join(workDir, 'exabgp.conf');
    writeFileSync(conf, ExabgpDaemon.renderConfig(opts, helper, fifo, events));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      'exabgp.daemon.user': 'root',
      'exabgp.daemon.drop': 'false',
      'exabgp.daemon.daemonize': 'false',
      'exabgp.tcp.bind': opts.listenAddress,
      'exabgp.tcp.port': '179',
      'exabgp.api.cli': 'false',
      'exabgp.api.ack': 'false',
      'exabgp.api.respawn': 'false',
      'exabgp.log.destination': 'stdout',
      'exabgp.log.level': 'INFO',
    };
    const proc = spawnDaemon({ name: 'exabgp', cmd: EXABGP_BIN, args: [conf], workDir, env });
    const d = new ExabgpDaemon(opts, workDir, fifo, events, proc);
    // Ready when the bridge holds the FIFO open (a non-blocking open for writing then succeeds).
    await waitFor(
      () => {
        if (proc.exited()) throw new Error(`exabgp exited: ${proc.logTail()}`);
        try {
          closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
          return true;
        } catch {
          return false;
        }
      },
      20000,
      'exabgp API bridge',
    );
    return d;
  }

  /** Sends one API command, e.g. "announce route 10.0.0.0/24 next-hop 192.0.2.1 attribute [ 0x63 0xc0 0x0102 ]". */
  command(line: string): void {
    if (line.includes('\n')) throw new Error('one command per call');
    // O_NONBLOCK: fails at once (ENXIO) instead of hanging when the bridge is gone.
    const fd = openSync(this.fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    try {
      writeSync(fd, `${line}\n`);
    } finally {
      closeSync(fd);
    }
  }

  /** For the neighbor at `neighbor` only, when ExaBGP has several. */
  announce(r: OriginateSpec, opts: { neighbor?: string; rawAttributes?: readonly string[] } = {}): void {
    this.command(`${opts.neighbor !== undefined ? `neighbor ${opts.neighbor} ` : ''}announce ${routeLine(r, opts.rawAttributes)}`);
  }

  withdraw(prefix: string, opts: { neighbor?: string; nextHop?: string } = {}): void {
    const nh = opts.nextHop ?? DEFAULT_NEXT_HOP[familyOf(prefix)];
    this.command(`${opts.neighbor !== undefined ? `neighbor ${opts.neighbor} ` : ''}withdraw route ${prefix} next-hop ${nh}`);
  }

  /** Every JSON event so far (lines that are not JSON, e.g. "done"/"error" acks, are skipped). */
  events(): ExabgpEvent[] {
    if (!existsSync(this.eventsFile)) return [];
    const out: ExabgpEvent[] = [];
    for (const line of readFileSync(this.eventsFile, 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as ExabgpEvent);
      } catch {
        // a line still being written
      }
    }
    return out;
  }

  /** The neighbor's state from the last "state" event: "up", "down", "connected"... or undefined before any. */
  neighborState(addr: string): string | undefined {
    let st: string | undefined;
    for (const e of this.events()) {
      const n = e.neighbor as { address?: { peer?: string }; state?: string } | undefined;
      if (e.type === 'state' && n?.address?.peer === addr) st = n.state;
    }
    return st;
  }

  async waitUp(addr: string, timeoutMs = 30000): Promise<void> {
    await waitFor(() => this.neighborState(addr) === 'up', timeoutMs, `exabgp neighbor ${addr} up`);
  }

  async stop(): Promise<void> {
    await stopProcess(this.proc.pid);
  }
}
