import type { NflogPacket } from '../netlink/nflog-codec';
import { DeniedFlowLog } from './denied-flow-log';
import { parseRuleRefId } from './rules/rule-ref';

// The IPv4 UDP datagram of the captured nflog message (nflog-codec.test.ts): 127.0.0.1:53503 -> 127.0.0.1:9999.
const UDP = Buffer.from('45000021645d40004011d86c7f0000017f000001d0ff270f000dfe2068656c6c6f', 'hex');
const packet = (prefix: string): NflogPacket => ({ group: 20, family: 2, prefix, hwProtocol: 0x800, payload: UDP });

/** A file whose writes complete only when released. */
class SlowFile {
  lines: string[] = [];
  private pending: Array<() => void> = [];
  append(text: string): Promise<void> {
    return new Promise((resolve) => this.pending.push(() => (this.lines.push(...text.trimEnd().split('\n')), resolve())));
  }
  release(): void {
    for (const r of this.pending.splice(0)) r();
  }
}

const deps = (file: SlowFile, queueLimit?: number) => ({
  file,
  resolveRef: parseRuleRefId,
  endpointOf: (ip: string) => (ip === '127.0.0.1' ? { namespace: 'x', pod: 'a' } : undefined),
  now: () => Date.UTC(2026, 0, 2, 3, 4, 5),
  ...(queueLimit !== undefined ? { queueLimit } : {}),
});

describe('DeniedFlowLog', () => {
  it('writes one JSON line per denial with the rule, the direction, the staged flag and both endpoints', async () => {
    const file = new SlowFile();
    const log = new DeniedFlowLog(deps(file));
    log.onPacket(packet('gr/si/default/x/p/2'));
    const done = log.flush();
    await new Promise((r) => setImmediate(r));
    file.release();
    await done;
    expect(file.lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      {
        time: '2026-01-02T03:04:05.000Z',
        action: 'deny',
        staged: true,
        tier: 'default',
        policy: 'x/p',
        rule: 2,
        direction: 'ingress',
        protocol: 'udp',
        srcIp: '127.0.0.1',
        srcPort: 53503,
        srcNamespace: 'x',
        srcPod: 'a',
        dstIp: '127.0.0.1',
        dstPort: 9999,
        dstNamespace: 'x',
        dstPod: 'a',
      },
    ]);
  });

  it('holds at most queueLimit entries while the writer is busy, dropping and counting the rest; ignores foreign prefixes', async () => {
    const file = new SlowFile();
    const log = new DeniedFlowLog(deps(file, 5));
    log.onPacket(packet('calico-packet: '));
    for (let i = 0; i < 20; i++) log.onPacket(packet('gr/e//kns.x/0'));
    expect(log.stats()).toEqual({ logged: 5, written: 0, dropped: 15, ignored: 1, writeErrors: 0 });
    const done = log.flush();
    // The writer has taken the queue: room again for 5 while its write is pending.
    await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 7; i++) log.onPacket(packet('gr/e//kns.x/0'));
    expect(log.stats()).toMatchObject({ logged: 10, dropped: 17 });
    for (let i = 0; i < 3 && file.lines.length < 10; i++) {
      file.release();
      await new Promise((r) => setImmediate(r));
    }
    await done;
    expect(file.lines).toHaveLength(10);
    expect(log.stats()).toMatchObject({ logged: 10, written: 10, dropped: 17 });
  });
});
