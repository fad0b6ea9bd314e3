// An nfnetlink_log listener: one NETLINK_NETFILTER socket bound to one nflog group (optionally created inside another
// network namespace, netns-enter.ts), handing every logged packet to a callback as it is read. The kernel batches
// packets (qthresh/timeout) so a busy group costs one read per batch; when the socket's receive buffer is full the
// kernel drops messages and the next read fails with ENOBUFS, which is counted (overruns) and never stops the
// listener: a flood loses log lines, not the agent.
import { createNetlink, type NetlinkSocket } from 'netlink';
import {
  decodePacket,
  encodeCommand,
  encodeGroupConfig,
  NETLINK_NETFILTER,
  NFULNL_CFG_CMD_BIND,
  NFULNL_CFG_CMD_UNBIND,
  NFULNL_MSG_CONFIG,
  NFULNL_MSG_PACKET,
  type NflogGroupConfig,
  type NflogPacket,
} from './nflog-codec';
import { NetlinkError } from './netlink-error';
import { createInNetns } from './netns-enter';

export interface NflogOptions {
  /** Create the socket inside this network namespace (/var/run/netns/X); default: the process's own. */
  readonly netns?: string;
  readonly config?: Partial<NflogGroupConfig>;
  /** SO_RCVBUF of the socket (bytes): what the kernel may hold while the agent is busy. */
  readonly receiveBufferBytes?: number;
  /** Errors other than ENOBUFS (malformed messages, socket errors). */
  readonly onError?: (err: unknown) => void;
}

const DEFAULTS: NflogGroupConfig = { copyRange: 128, qthresh: 64, timeoutCs: 10, bufferBytes: 64 * 1024 };

export class NflogSocket {
  /** Reads that failed with ENOBUFS: the kernel dropped messages because the socket's buffer was full. */
  overruns = 0;
  private closed = false;

  private constructor(
    private readonly sock: NetlinkSocket,
    readonly group: number,
  ) {}

  /** Binds a socket to `group` and calls `onPacket` for every packet logged to it until close(). */
  static async open(group: number, onPacket: (p: NflogPacket) => void, options: NflogOptions = {}): Promise<NflogSocket> {
    const create = (): NetlinkSocket => createNetlink(NETLINK_NETFILTER, { ref: true, recvBufferSize: options.receiveBufferBytes ?? 1 << 20, sendBufferSize: 64 * 1024 });
    const sock = options.netns ? createInNetns(options.netns, create) : create();
    const self = new NflogSocket(sock, group);
    sock.on('error', (err) => {
      if (err.code === 'ENOBUFS') self.overruns++;
      else options.onError?.(err);
    });
    sock.on('invalid', (err) => options.onError?.(err));
    sock.on('message', (msgs) => {
      for (const m of msgs) {
        if (m.type !== NFULNL_MSG_PACKET) continue;
        try {
          onPacket(decodePacket(m.data));
        } catch (err) {
          options.onError?.(err);
        }
      }
    });
    try {
      await self.configure(encodeCommand(group, NFULNL_CFG_CMD_BIND), 'bind');
      await self.configure(encodeGroupConfig(group, { ...DEFAULTS, ...options.config }), 'mode');
    } catch (err) {
      sock.close();
      throw err;
    }
    return self;
  }

  private async configure(body: Buffer, what: string): Promise<void> {
    try {
      await this.sock.request(NFULNL_MSG_CONFIG, body, { timeout: 2000 });
    } catch (err) {
      const errno = (err as { code?: string }).code ?? 'EIO';
      throw new NetlinkError(errno, `nflog ${what}`, `group ${this.group}`, { cause: err, detail: (err as Error).message });
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.send(NFULNL_MSG_CONFIG, encodeCommand(this.group, NFULNL_CFG_CMD_UNBIND));
    this.sock.close();
  }
}
