// A crafted-message BGP peer built on scapy's BGP layer (Debian's python3-scapy): scapy-bgp-peer.py holds the
// sockets and builds/reads every message with scapy; this is its TypeScript side. One helper process can hold several
// sessions, each named, each listening on its own loopback address for the speaker under test to connect to.
//
// Why scapy and not src/bgp/packet: the codec under test must not be the tool that judges it. Why not only
// raw-peer.ts: the issue asks for a real peer implementation's encoder; scapy's fills in every length and flag the
// case does not deliberately break, so each malformed UPDATE differs from a valid one in exactly the field named.
//
// Commands go to the helper's stdin as JSON lines; its reports are appended to events.jsonl in its work dir. Every
// wait is bounded. The process is registered with process.ts, so cleanupAll stops it by PID.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeWorkDir, spawnDaemon, stopProcess, waitFor, type ManagedProcess } from './process';
import { inCi } from './tools';

export const SCAPY_PYTHON = process.env.SCAPY_PYTHON ?? '/usr/bin/python3';
const SCRIPT = join(__dirname, 'scapy-bgp-peer.py');

/** One path attribute, built by scapy: a named one with RFC flags and lengths unless overridden, or raw bytes. */
export type AttrSpec =
  | ({ name: 'origin'; value: number } & AttrOverrides)
  | ({ name: 'as_path'; asns: number[]; segmentType?: number } & AttrOverrides)
  | ({ name: 'as_path2'; asns: number[]; segmentType?: number } & AttrOverrides)
  | ({ name: 'next_hop'; value: string } & AttrOverrides)
  | ({ name: 'med'; value: number } & AttrOverrides)
  | ({ name: 'local_pref'; value: number } & AttrOverrides)
  | ({ name: 'atomic_aggregate' } & AttrOverrides)
  | ({ name: 'aggregator'; asn: number; address: string } & AttrOverrides)
  | ({ name: 'communities'; values: number[] } & AttrOverrides)
  | ({ name: 'mp_reach_ipv6'; nextHop: string; nlri: string[] } & AttrOverrides)
  | ({ name: 'mp_unreach_ipv6'; withdrawn: string[] } & AttrOverrides)
  | ({ name: 'raw'; type: number; flags: number; hex?: string } & AttrOverrides);

export interface AttrOverrides {
  /** Attribute Flags octet instead of the RFC's. */
  flags?: number;
  /** Attribute Length field instead of the value's real length. */
  attrLen?: number;
}

/** Our OPEN: 4-octet AS capability unless fourOctetAs is false; RFC 8654 Extended Message when asked. */
export interface OpenSpec {
  asn: number;
  routerId: string;
  holdTime?: number;
  families?: Array<[number, number]>;
  fourOctetAs?: boolean;
  extendedMessage?: boolean;
}

/** An UPDATE: IPv4 withdrawn routes and NLRI, attributes, and optional wrong length fields. */
export interface UpdateSpec {
  withdrawn?: string[];
  attrs?: AttrSpec[];
  nlri?: string[];
  withdrawnLen?: number;
  pathAttrLen?: number;
  /** Header overrides: marker (32 hex digits), length, type. */
  marker?: string;
  len?: number;
  type?: number;
}

export interface ReceivedAttr {
  readonly flags: number;
  readonly type: number;
  readonly hex: string;
}

export interface ScapyEvent {
  readonly event: string;
  readonly name?: string;
  readonly type?: string;
  readonly hex?: string;
  readonly code?: number;
  readonly subcode?: number;
  readonly data?: string;
  readonly asn?: number;
  readonly holdTime?: number;
  readonly withdrawn?: string[];
  readonly nlri?: string[];
  readonly attrs?: ReceivedAttr[];
  readonly parseError?: string;
  readonly message?: string;
  readonly op?: string;
  readonly seq?: number;
}

/** True when the helper's Python has scapy's BGP layer; under CI=true its absence is a failure, never a skip. */
export function requireScapy(suite: string): boolean {
  const res = spawnSync(SCAPY_PYTHON, ['-c', 'import scapy.contrib.bgp'], { encoding: 'utf8', timeout: 30000 });
  if (res.status === 0) return true;
  const msg = `${suite}: ${SCAPY_PYTHON} cannot import scapy.contrib.bgp (apt-get install python3-scapy): ${(res.stderr ?? '').trim().split('\n').pop() ?? ''}`;
  if (inCi) throw new Error(`CI=true and ${msg}`);
  process.stderr.write(`SKIP ${msg}\n`);
  return false;
}

export class ScapyBgpPeer {
  private seq = 0;
  private readonly readIndex = new Map<string, number>();

  private constructor(
    private readonly proc: ManagedProcess,
    private readonly eventsFile: string,
  ) {}

  static async start(): Promise<ScapyBgpPeer> {
    const workDir = makeWorkDir('scapy');
    const eventsFile = join(workDir, 'events.jsonl');
    writeFileSync(eventsFile, '');
    const proc = spawnDaemon({ name: 'scapy-bgp-peer', cmd: SCAPY_PYTHON, args: ['-u', SCRIPT, eventsFile], workDir, stdinPipe: true });
    proc.child.stdin?.on('error', () => undefined); // EPIPE after the helper died is reported by the waits
    const peer = new ScapyBgpPeer(proc, eventsFile);
    await waitFor(
      () => {
        if (proc.exited()) throw new Error(`scapy peer exited: ${proc.logTail()}`);
        return peer.events().some((e) => e.event === 'ready');
      },
      30000,
      'the scapy peer to start',
    );
    return peer;
  }

  get pid(): number {
    return this.proc.pid;
  }

  /** Every report so far, in order. */
  events(): ScapyEvent[] {
    if (!existsSync(this.eventsFile)) return [];
    const out: ScapyEvent[] = [];
    for (const line of readFileSync(this.eventsFile, 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as ScapyEvent);
      } catch {
        // a line still being written
      }
    }
    return out;
  }

  /** Sends one command and waits until the helper acknowledges it ('sent') or reports its failure. */
  private async command(op: string, body: Record<string, unknown>): Promise<void> {
    const seq = ++this.seq;
    const stdin = this.proc.child.stdin;
    if (stdin === null) throw new Error('scapy peer has no stdin');
    stdin.write(`${JSON.stringify({ op, seq, ...body })}\n`);
    const ack = await waitFor(
      () => {
        if (this.proc.exited()) throw new Error(`scapy peer exited: ${this.proc.logTail()}`);
        return this.events().find((e) => e.seq === seq && (e.event === 'sent' || e.event === 'error'));
      },
      10000,
      `scapy peer to run ${op}`,
      50,
    );
    if (ack.event === 'error') throw new Error(`scapy peer ${op} failed: ${ack.message ?? ''}`);
  }

  async listen(name: string, address: string, port = 179): Promise<void> {
    this.proc.child.stdin?.write(`${JSON.stringify({ op: 'listen', name, address, port })}\n`);
    await waitFor(
      () => {
        const bad = this.events().find((e) => e.event === 'error' && e.name === name);
        if (bad) throw new Error(`scapy peer cannot listen on ${address}:${port}: ${bad.message ?? ''}`);
        return this.events().some((e) => e.event === 'listening' && e.name === name);
      },
      10000,
      `scapy peer to listen on ${address}`,
      50,
    );
  }

  async waitAccepted(name: string, timeoutMs = 30000): Promise<void> {
    await waitFor(() => this.events().some((e) => e.event === 'accepted' && e.name === name), timeoutMs, `a connection to scapy session ${name}`);
  }

  /** Messages received on one session, optionally of one type ("OPEN", "UPDATE", "NOTIFICATION", ...). */
  messages(name: string, type?: string): ScapyEvent[] {
    return this.events().filter((e) => e.event === 'message' && e.name === name && (type === undefined || e.type === type));
  }

  /** The next message of `type` on `name` not yet returned by this method. */
  async nextMessage(name: string, type: string, timeoutMs = 15000): Promise<ScapyEvent> {
    return waitFor(
      () => {
        const all = this.messages(name);
        let i = this.readIndex.get(name) ?? 0;
        while (i < all.length) {
          const m = all[i++];
          if (m?.type === type) {
            this.readIndex.set(name, i);
            return m;
          }
        }
        if (this.isClosed(name)) throw new Error(`session ${name} closed`);
        return undefined;
      },
      timeoutMs,
      `a ${type} on scapy session ${name}`,
      50,
    );
  }

  isClosed(name: string): boolean {
    return this.events().some((e) => e.event === 'closed' && e.name === name);
  }

  async waitClosed(name: string, timeoutMs = 15000): Promise<void> {
    await waitFor(() => this.isClosed(name), timeoutMs, `scapy session ${name} to close`, 50);
  }

  /**
   * Answers the speaker's OPEN with ours and a KEEPALIVE and waits for its KEEPALIVE: Established on both sides.
   * Sends a KEEPALIVE every `keepaliveEvery` seconds from then on.
   */
  async establish(name: string, open: OpenSpec & { keepaliveEvery?: number }): Promise<ScapyEvent> {
    const theirs = await this.nextMessage(name, 'OPEN', 30000);
    await this.command('open', { name, keepaliveEvery: 20, ...open });
    await this.command('keepalive', { name });
    await this.nextMessage(name, 'KEEPALIVE', 15000);
    return theirs;
  }

  /** Sends an OPEN as given (hold time, identifier), without waiting for anything: for OPEN error cases. */
  sendOpen(name: string, open: OpenSpec): Promise<void> {
    return this.command('open', { name, ...open });
  }

  update(name: string, spec: UpdateSpec): Promise<void> {
    return this.command('update', { name, ...spec });
  }

  /** Any message type with a raw body (hex), with the same header overrides as an UPDATE. */
  message(name: string, msgType: number, hex: string, header: Pick<UpdateSpec, 'marker' | 'len' | 'type'> = {}): Promise<void> {
    return this.command('message', { name, msgType, hex, ...header });
  }

  notification(name: string, code: number, subcode: number, hex = ''): Promise<void> {
    return this.command('notification', { name, code, subcode, hex });
  }

  close(name: string): Promise<void> {
    return this.command('close', { name });
  }

  async stop(): Promise<void> {
    this.proc.child.stdin?.end(`${JSON.stringify({ op: 'quit' })}\n`);
    await stopProcess(this.proc.pid);
  }
}
