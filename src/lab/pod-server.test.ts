import net from 'node:net';
import { probeExit, probeTcp, probeUdp, podTestReply, serve } from './pod-server';

describe('the lab pod server and probe (on loopback)', () => {
  it("answers HTTP exactly as the tutorial's image, other TCP ports and UDP with the pod name", async () => {
    expect(podTestReply('10.244.2.18', 'pod-test', '10.244.1.56')).toBe('kubernetes pod-test v0.1!! ClientIP: 10.244.2.18, ServerName: pod-test, ServerIP: 10.244.1.56!\n');
    // Random high ports on loopback: the server binds 0.0.0.0, the probe goes to 127.0.0.1.
    const base = 20000 + (process.pid % 20000);
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let server: { close(): void };
    try {
      server = await serve('web-1', '10.244.1.2', [
        { port: base, protocol: 'TCP' },
        { port: base + 1, protocol: 'UDP' },
      ]);
    } finally {
      write.mockRestore();
    }
    const tcp = await probeTcp('127.0.0.1', base, 1000);
    expect(tcp).toMatchObject({ result: 'connected', reply: 'web-1' });
    const udp = await probeUdp('127.0.0.1', base + 1, 1000);
    expect(udp).toMatchObject({ result: 'connected', reply: 'web-1' });
    expect(probeExit(udp)).toBe(0);
    const refused = await probeTcp('127.0.0.1', base + 2, 1000);
    expect(refused).toMatchObject({ result: 'blocked', reason: 'ECONNREFUSED' });
    expect(probeExit(refused)).toBe(1);
    const silent = await probeUdp('127.0.0.1', base + 3, 300);
    expect(silent.result).toBe('blocked');
    expect(probeExit({ result: 'failed', ms: 0 })).toBe(2);
    server.close();
  });

  it('keeps serving after clients reset their connections (a reset must not end the process)', async () => {
    // A client that closes with unread data sends RST; the server's write or read then fails with ECONNRESET. Left
    // unhandled, that error ended the pod's server and the pod stopped listening for the rest of the lab's life.
    const base = 20000 + ((process.pid + 7) % 20000);
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const warn = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let server: { close(): void } | undefined;
    try {
      server = await serve('web-2', '10.244.1.3', [{ port: base, protocol: 'TCP' }]);
      for (let i = 0; i < 20; i++) {
        await new Promise<void>((resolve, reject) => {
          const c = net.connect({ host: '127.0.0.1', port: base });
          c.on('connect', () => c.resetAndDestroy());
          c.on('close', () => resolve());
          c.on('error', reject);
        });
      }
      // Let the server see the resets before it is judged.
      await new Promise((r) => setTimeout(r, 200));
      expect(await probeTcp('127.0.0.1', base, 1000)).toMatchObject({ result: 'connected', reply: 'web-2' });
    } finally {
      server?.close();
      write.mockRestore();
      warn.mockRestore();
    }
  });
});
