import { FakeClock } from '../lib/fake-clock';
import { recordingLogger } from '../lib/testing/recording-logger';
import { nextTokenRequestDelay, RETRY_MAX_MS, startCniTokenRefresh } from './cni-token-refresh';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('CNI token renewal', () => {
  it('renews after two thirds of the lifetime; retries from 5 s, doubling, capped at 5 min', () => {
    expect(nextTokenRequestDelay(86_400, 0)).toBe(16 * 3600 * 1000);
    expect([1, 2, 3, 4].map((f) => nextTokenRequestDelay(86_400, f))).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(nextTokenRequestDelay(86_400, 40)).toBe(RETRY_MAX_MS);
  });

  it('writes a new kubeconfig at start and on schedule; a failure keeps the file and retries sooner', async () => {
    const clock = new FakeClock();
    const lines: string[] = [];
    const written: string[] = [];
    let n = 0;
    let failNext = false;
    const r = startCniTokenRefresh('gingham-cni-plugin', {
      clock,
      log: recordingLogger(lines),
      requestToken: async (sa, secs) => {
        expect([sa, secs]).toEqual(['gingham-cni-plugin', 86_400]);
        if (failNext) throw new Error('HTTP 503');
        return { server: 'https://10.96.0.1:443', token: `t${++n}` };
      },
      writeKubeconfig: (text) => void written.push(text),
    });
    await flush();
    expect(written.map((t) => /token: (\S+)/.exec(t)?.[1])).toEqual(['t1']);
    failNext = true;
    clock.advance(16 * 3600 * 1000);
    await flush();
    expect(written).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^warn CNI token: renewal for ServiceAccount gingham-cni-plugin failed \(1 in a row.*HTTP 503/);
    failNext = false;
    clock.advance(4_999);
    await flush();
    expect(written).toHaveLength(1);
    clock.advance(1);
    await flush();
    expect(written.map((t) => /token: (\S+)/.exec(t)?.[1])).toEqual(['t1', 't2']);
    expect(lines.at(-1)).toBe('info CNI token: renewed after 1 failed request(s)');
    r.stop();
    expect(clock.pending()).toBe(0);
  });

  it('outside a pod (no token endpoint) leaves the file alone and stops', async () => {
    const clock = new FakeClock();
    const lines: string[] = [];
    const written: string[] = [];
    startCniTokenRefresh('gingham-cni-plugin', { clock, log: recordingLogger(lines), requestToken: async () => undefined, writeKubeconfig: (t) => void written.push(t) });
    await flush();
    expect(written).toEqual([]);
    expect(clock.pending()).toBe(0);
    expect(lines).toEqual(['info CNI token: not running in a pod (no in-cluster API endpoint); the CNI kubeconfig is left as it is']);
  });
});
