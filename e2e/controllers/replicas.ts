// Shared by the controllers' e2e tests: a bounded wait, and a sampler proving two replicas never lead at once.
import type { RunningControllers } from '../../src/controllers/run';

export async function waitFor(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Starts two replicas, waits for one to lead and samples (every 20 ms) whether both ever lead at once. */
export async function twoReplicas(
  start: (identity: string) => Promise<RunningControllers>,
): Promise<{ leader: RunningControllers; follower: RunningControllers; identity: string; bothLed: () => number; stopSampling: () => void; failOver: () => Promise<void> }> {
  const a = await start('replica-a');
  const b = await start('replica-b');
  let both = 0;
  const sampler = setInterval(() => {
    if (a.isLeader() && b.isLeader()) both++;
  }, 20);
  try {
    await waitFor('a leader', () => a.isLeader() || b.isLeader());
  } catch (err) {
    clearInterval(sampler);
    throw err;
  }
  const [leader, follower] = a.isLeader() ? [a, b] : [b, a];
  return {
    leader,
    follower,
    identity: leader === a ? 'replica-a' : 'replica-b',
    bothLed: () => both,
    stopSampling: () => clearInterval(sampler),
    // The leader stops (its lease is given up or runs out); the other replica must lead within 15 s.
    failOver: async () => {
      await leader.stop();
      await waitFor('the other replica leading', () => follower.isLeader(), 15_000);
    },
  };
}
