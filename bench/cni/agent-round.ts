// What one pod costs the node agent's route work with N BGP routes in the table, in process, the kernel a FakeNetlink
// whose route writes succeed at once (so only the agent's own CPU is measured): the agent's calculation
// (node/calc computeNode + BgpRoutes) and the dataplane's route apply for one round after a pod's WorkloadEndpoint
// appears, and for comparison the full path every round took before the route work was incremental: every best
// path's route recomputed (BgpRoutes from scratch) and the whole table diffed (a route table re-reading the kernel).
// Also the converging case: N best paths arriving in batches, the largest single stretch of work per round.
//   node bench/cni/run.js bench/cni/agent-round.ts [routes=100000] [pods=5] [batch=5000]
import { computeNode, type NodeResources } from '../../src/node/calc/node-calc';
import { BgpRoutes, type BestPathHops } from '../../src/node/calc/bgp-routes';
import { Dataplane } from '../../src/felix/dataplane';
import { FakeNetlink } from '../../src/netlink/fake';
import { FakeClock } from '../../src/lib/fake-clock';
import { nullLogger } from '../../src/lib/logger';
import type { StoredResource } from '../../src/datastore';
import { loadText, runBench } from './stats';

const prefixOf = (i: number): string => `${20 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`;
const v3 = (kind: string, name: string, spec: unknown, namespace?: string): StoredResource =>
  ({ apiVersion: 'projectcalico.org/v3', kind, metadata: { name, ...(namespace ? { namespace } : {}) }, spec }) as StoredResource;

function kernel(): FakeNetlink {
  const nl = new FakeNetlink();
  nl.addExistingLink('eth0', { up: true });
  // Writes succeed without the fake's per-route validation (a linear scan per write): only the agent's CPU counts.
  nl.routeBatch = async (ops) => ops.map(() => ({ ok: true as const }));
  return nl;
}

async function main(): Promise<void> {
  const n = Number(process.argv[3] ?? 100000);
  const pods = Number(process.argv[4] ?? 5);
  const batch = Number(process.argv[5] ?? 5000);
  const resources = (workloads: StoredResource[]): NodeResources =>
    ({
      nodes: [v3('Node', 'n1', { bgp: { ipv4Address: '192.168.200.1/24' } })],
      bgpPeers: [],
      bgpConfigs: [],
      bgpFilters: [],
      pools: [v3('IPPool', 'p', { cidr: '192.168.128.0/20', ipipMode: 'Never', vxlanMode: 'Never' })],
      blocks: [],
      workloads,
    }) as unknown as NodeResources;
  const best = new Map<string, BestPathHops>();
  for (let i = 0; i < n; i++) best.set(prefixOf(i), { family: 'ipv4', nextHops: ['192.168.200.2'] });

  // One dataplane per path: the incremental one keeps following one BgpRoutes; the full one is handed a new one each
  // round (a new source: every key compared) after re-reading its kernel.
  const nl = kernel();
  const dp = new Dataplane({ netlink: nl, clock: new FakeClock(0), logger: nullLogger });
  const fullNl = kernel();
  const fullDp = new Dataplane({ netlink: fullNl, clock: new FakeClock(0), logger: nullLogger });
  const bgp = new BgpRoutes();
  const workloads: StoredResource[] = [];
  const round = async (full: boolean): Promise<{ calc: number; apply: number; examined: number }> => {
    const t0 = performance.now();
    const out = computeNode({ nodeName: 'n1', parentInterface: 'eth0', hostMtu: 1500, resources: resources(workloads) });
    const routes = full ? new BgpRoutes() : bgp;
    routes.update(out.bgpRoutes, best, full ? 'all' : []);
    const t1 = performance.now();
    const res = await (full ? fullDp : dp).applyRouting({ ...out.dataplane, routeSource: routes.routes });
    return { calc: t1 - t0, apply: performance.now() - t1, examined: res.routes.examined };
  };
  await round(false);
  await round(true);
  const lines = [`In process, ${n} BGP routes, load average ${loadText()}; ms per round after one pod's endpoint appears:`, '', '| path | pod | calc ms | route apply ms | keys compared |', '|---|---|---|---|---|'];
  for (let p = 0; p < pods; p++) {
    nl.addExistingLink(`cali${p}`, { up: true });
    fullNl.addExistingLink(`cali${p}`, { up: true });
    workloads.push(v3('WorkloadEndpoint', `w${p}`, { node: 'n1', interfaceName: `cali${p}`, ipNetworks: [`192.168.128.${p + 1}/32`] }, 'd'));
    for (const full of [false, true]) {
      const r = await round(full);
      lines.push(`| ${full ? 'full (before)' : 'incremental'} | ${p + 1} | ${r.calc.toFixed(1)} | ${r.apply.toFixed(1)} | ${r.examined} |`);
    }
  }

  // Converging: the routes arrive in batches of `batch` best paths, as the speaker hands them over.
  const conv = new BgpRoutes();
  const nl2 = kernel();
  const dp2 = new Dataplane({ netlink: nl2, clock: new FakeClock(0), logger: nullLogger });
  const arriving = new Map<string, BestPathHops>();
  let maxCalc = 0;
  let maxApply = 0;
  const t0 = performance.now();
  for (let s = 0; s < n; s += batch) {
    const changed: string[] = [];
    for (let i = s; i < Math.min(n, s + batch); i++) {
      arriving.set(prefixOf(i), { family: 'ipv4', nextHops: ['192.168.200.2'] });
      changed.push(prefixOf(i));
    }
    const a = performance.now();
    const out = computeNode({ nodeName: 'n1', parentInterface: 'eth0', hostMtu: 1500, resources: resources([]) });
    conv.update(out.bgpRoutes, arriving, changed);
    const b = performance.now();
    await dp2.applyRouting({ ...out.dataplane, routeSource: conv.routes });
    maxCalc = Math.max(maxCalc, b - a);
    maxApply = Math.max(maxApply, performance.now() - b);
  }
  lines.push('', `Converging ${n} routes in batches of ${batch}: ${(performance.now() - t0).toFixed(0)} ms in all; per batch at most ${maxCalc.toFixed(0)} ms calc, ${maxApply.toFixed(0)} ms route apply (in slices of 2000 keys).`);
  dp.close();
  fullDp.close();
  dp2.close();
  process.stdout.write(lines.join('\n') + '\n');
}

runBench(main);
