// A disruption under watch, for lab tests: a pod on one node pings a pod on another ten times a second for 15 s while
// every node's routes to the other nodes' blocks are sampled every 100 ms; `disrupt` runs 2 s in. Returns how many
// pings were lost and every sample where a route was missing.
import { spawn } from 'node:child_process';
import type { LabStatusJson, TestLab } from './lab-harness';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const block = (ip: string): string => `${ip.split('.').slice(0, 3).join('.')}.0/24`;

export interface PingWatch {
  readonly lost: number;
  readonly missing: string[];
  readonly samples: number;
}

export async function watchPingAndRoutes(lab: TestLab, st: LabStatusJson, from: string, to: string, disrupt: () => void | Promise<void>): Promise<PingWatch> {
  const src = st.pods.find((p) => p.node === from);
  const dst = st.pods.find((p) => p.node === to);
  if (!src?.ip || !dst?.ip) throw new Error(`no pods with addresses on ${from} and ${to}`);
  // Every node's routes to the other nodes' blocks, which must be there at every sample.
  const wanted = st.nodes.map((n) => ({ node: n.name, blocks: st.pods.filter((p) => p.node !== n.name).map((p) => block(p.ip as string)) }));
  for (const w of wanted) for (const b of w.blocks) if (!lab.routes(w.node).some((r) => r.startsWith(`${b} via`))) throw new Error(`${w.node} has no route to ${b} before the disruption`);

  const pinger = spawn('ip', ['netns', 'exec', lab.namespace(src.name), 'ping', '-i', '0.1', '-c', '150', '-W', '1', dst.ip], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  pinger.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<void>((resolve) => pinger.on('close', () => resolve()));
  try {
    let samples = 0;
    const missing: string[] = [];
    const sampling = (async () => {
      const until = Date.now() + 14_000;
      while (Date.now() < until) {
        for (const w of wanted) {
          const routes = lab.routes(w.node);
          for (const b of w.blocks) if (!routes.some((r) => r.startsWith(`${b} via`))) missing.push(`${w.node}: ${b}`);
        }
        samples++;
        await sleep(100);
      }
    })();
    await sleep(2000);
    await disrupt();
    await sampling;
    await done;
    const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
    if (m === null) throw new Error(`no ping summary in: ${out}`);
    return { lost: Number(m[1]) - Number(m[2]), missing, samples };
  } finally {
    if (pinger.exitCode === null && pinger.pid !== undefined) process.kill(pinger.pid, 'SIGKILL');
  }
}
