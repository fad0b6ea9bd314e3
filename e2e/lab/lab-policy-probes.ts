// Probes for the lab policy tests (lab-policy-tutorial, lab-policy-calico-*), as `gingham lab probe` makes them (TCP:
// the handshake completes; UDP: a request datagram gets the pod server's reply; 1 s timeout) plus ping for ICMP, but
// cheap: one python3 client per source pod, protocol and port (testdata/netpol/prober.py, inside the pod's network
// namespace) tries all its target addresses at once, so a set of expectations costs about one timeout. A set is re-probed until every outcome is the expected one or 20 s pass
// (the agents program policy asynchronously), and a failure lists the wrong outcomes with why each was expected.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnAsync, TestLab } from './lab-harness';

export interface Reach {
  /** NS/POD, or POD in default. */
  readonly from: string;
  /** NS/POD, NS/SERVICE (its ClusterIP) or an IP. */
  readonly to: string;
  readonly want: boolean;
  readonly port?: number;
  readonly protocol?: 'tcp' | 'udp' | 'icmp';
  /** Why this outcome, printed when it is wrong. */
  readonly why?: string;
}

const DEADLINE_MS = 20_000;
const TIMEOUT_S = 1;

// The conformance runner's client: one process per source, protocol and port, all its target addresses at once.
const PROBER = path.join(__dirname, 'testdata', 'netpol', 'prober.py');

interface LabAddresses {
  pods: Array<{ name: string; namespace: string; k8sNamespace?: string; ip?: string }>;
  clusterIPs?: Record<string, string>;
  cluster?: { services: Record<string, { spec: { ports: Array<{ port: number }> } }> };
}

const split = (ref: string): [string, string] => (ref.includes('/') ? (ref.split('/', 2) as [string, string]) : ['default', ref]);

/** The pod's network namespace and address, from the lab's state.json. */
export function labPod(lab: TestLab, ref: string): { netns: string; ip: string } {
  const s = JSON.parse(readFileSync(path.join(lab.stateDir, 'state.json'), 'utf8')) as LabAddresses;
  const [ns, name] = split(ref);
  const p = s.pods.find((x) => x.name === name && (x.k8sNamespace ?? 'default') === ns);
  if (!p?.ip) throw new Error(`lab pod ${ref}: not found or without an address`);
  return { netns: p.namespace, ip: p.ip };
}

function target(s: LabAddresses, r: Reach): string {
  const proto = r.protocol ?? 'tcp';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(r.to)) return `${proto}:${r.to}:${proto === 'icmp' ? 0 : (r.port ?? 80)}`;
  const [ns, name] = split(r.to);
  const svc = s.clusterIPs?.[`${ns}/${name}`];
  if (svc) return `${proto}:${svc}:${proto === 'icmp' ? 0 : (r.port ?? s.cluster?.services[`${ns}/${name}`]?.spec.ports[0]?.port ?? 80)}`;
  const p = s.pods.find((x) => x.name === name && (x.k8sNamespace ?? 'default') === ns);
  if (!p?.ip) throw new Error(`probe target ${r.to}: no such lab pod or service`);
  return `${proto}:${p.ip}:${proto === 'icmp' ? 0 : (r.port ?? 80)}`;
}

/** One outcome per expectation (true connected), in order; all sources, protocols and ports in parallel. */
export async function probeAll(lab: TestLab, set: readonly Reach[]): Promise<boolean[]> {
  const s = JSON.parse(readFileSync(path.join(lab.stateDir, 'state.json'), 'utf8')) as LabAddresses;
  const targets = set.map((r) => target(s, r));
  const groups = new Map<string, Set<string>>();
  set.forEach((r, i) => {
    const [proto, ip, port] = targets[i]!.split(':') as [string, string, string];
    const k = `${r.from} ${proto} ${proto === 'icmp' ? ip : port}`;
    groups.set(k, (groups.get(k) ?? new Set()).add(ip));
  });
  const connected = new Set<string>();
  await Promise.all(
    [...groups].map(async ([k, ips]) => {
      const [from, proto, port] = k.split(' ') as [string, string, string];
      const netns = labPod(lab, from).netns;
      if (proto === 'icmp') {
        const r = await spawnAsync('ip', ['netns', 'exec', netns, 'ping', '-n', '-c', '1', '-W', String(TIMEOUT_S), port], 10_000);
        if (r.status === 0) connected.add(`${from} icmp:${port}:0`);
        return;
      }
      const r = await spawnAsync('ip', ['netns', 'exec', netns, 'python3', PROBER, proto, port, String(TIMEOUT_S), ...ips], 15_000);
      let res: Record<string, boolean>;
      try {
        res = JSON.parse(r.stdout) as Record<string, boolean>;
      } catch {
        throw new Error(`prober in ${from} exited ${r.status}: ${r.stderr}${r.stdout}`);
      }
      for (const [ip, ok] of Object.entries(res)) if (ok) connected.add(`${from} ${proto}:${ip}:${port}`);
    }),
  );
  return set.map((r, i) => connected.has(`${r.from} ${targets[i]!}`));
}

const describe = (r: Reach, got: boolean): string =>
  `${r.from} -> ${r.to}${r.port !== undefined ? `:${r.port}` : ''}/${r.protocol ?? 'tcp'}: want ${r.want ? 'connected' : 'blocked'}, got ${got ? 'connected' : 'blocked'}${r.why ? ` (${r.why})` : ''}`;

/** Probes every expectation until all hold or the deadline passes; returns the wrong ones (empty = all held). */
export async function wrongOutcomes(lab: TestLab, set: readonly Reach[]): Promise<string[]> {
  const end = Date.now() + DEADLINE_MS;
  for (;;) {
    const got = await probeAll(lab, set);
    const wrong = set.flatMap((r, i) => (got[i] === r.want ? [] : [describe(r, got[i]!)]));
    if (wrong.length === 0 || Date.now() >= end) return wrong;
    await new Promise((res) => setTimeout(res, 300));
  }
}

/** A lab with policy enforced, for one describe block (usePolicyLab). */
export class PolicyLab {
  private current?: TestLab;
  private readonly work = mkdtempSync(path.join(tmpdir(), 'gingham-e2e-policy-'));

  get lab(): TestLab {
    if (!this.current) throw new Error('the lab is not up (beforeAll failed?)');
    return this.current;
  }

  up(tag: string, args: readonly string[]): void {
    this.current = new TestLab(tag);
    this.current.up(args);
  }

  /** `gingham lab ARGS`; throws with the output unless it exits 0. */
  run(args: readonly string[]): string {
    const r = this.lab.run(args, 180_000);
    if (r.status !== 0) throw new Error(`gingham ${args.join(' ')} (${r.status}):\n${r.stdout}${r.stderr}`);
    return r.stdout;
  }

  /** `gingham lab apply -f FILE`, or of YAML text (written to a temporary file named for it). */
  apply(file: string, yaml?: string): void {
    let f = file;
    if (yaml !== undefined) {
      f = path.join(this.work, `${file}.yaml`);
      writeFileSync(f, yaml);
    }
    this.run(['lab', 'apply', '-f', f]);
  }

  /** Every expectation holds (within the deadline), or the test fails listing the wrong ones. */
  async reach(set: readonly Reach[]): Promise<void> {
    expect(await wrongOutcomes(this.lab, set)).toEqual([]);
  }

  down(): void {
    rmSync(this.work, { recursive: true, force: true });
    if (this.current) expect(this.current.down().status).toBe(0);
  }
}

/** beforeAll: `lab up` with upArgs (the agents enforce policy, their default), then ready(); afterAll: `lab down`. */
export function usePolicyLab(tag: string, upArgs: readonly string[], ready: (p: PolicyLab) => void): PolicyLab {
  const p = new PolicyLab();
  beforeAll(() => {
    p.up(tag, upArgs);
    ready(p);
  }, 300_000);
  afterAll(() => p.down(), 120_000);
  return p;
}
