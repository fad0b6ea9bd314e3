// CNI ADD while the agent converges a large BGP table: the installed shim forwarding to the agent (as bench:cni runs
// it), timed one pod at a time in three phases of one run: the agent idle; while its BGP speaker receives N routes
// (default 100,000) from a BIRD 2 feeder and installs them in the node namespace's kernel table; and after, with the
// table in place. The feeder runs in a namespace of its own at the other end of the node namespace's uplink (eBGP,
// AS 65001, a global BGPPeer), and announces bench/bgp's feed (routes.ts) with itself as next hop, so every route is
// installable. Convergence is done when the node namespace's table holds N routes via the feeder (polled with `ip`).
// The IPPool and the uplink are outside the feed's prefixes (10/8, 100.64/10, 172.16/12).
//   npm run bench:cni:bgp -- [routes] [idle pods] [max pods while converging]
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { runCheck } from '../../src/cli/ipam-check';
import { EtcdDatastore } from '../../src/datastore/etcd/etcd-datastore';
import { API_VERSION } from '../../src/datastore/types';
import { startEtcd } from '../../e2e/lib/etcd';
import { makeWorkDir, spawnDaemon, stopProcess, waitFor } from '../../e2e/lib/process';
import { addNetns, deleteNetns, invokePlugin, type Invocation } from '../../e2e/cni/cni-lab';
import { BirdControl } from '../bgp/bird-control';
import { procStat } from '../bgp/proc-stats';
import { writeBirdRoutes } from '../bgp/routes';
import { startAgentLab, teardownLab, timed } from './agent-lab';
import { loadText, runBench, summary } from './stats';

const HOST_IP = '192.168.200.1';
const FEEDER_IP = '192.168.200.2';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function feederConf(work: string, routesFile: string): string {
  return [
    `log "${work}/feeder.log" { warning, error, fatal, bug };`,
    `router id ${FEEDER_IP};`,
    'protocol device { scan time 3600; }',
    `protocol static feed {\n  ipv4 { import all; };\n  include "${routesFile}";\n}`,
    // Disabled until the idle phase is done; eBGP on a shared subnet: the feeder is the routes' next hop.
    `protocol bgp agent {\n  local ${FEEDER_IP} as 65001;\n  neighbor ${HOST_IP} as 64512;\n  ipv4 { import none; export all; };\n  disabled;\n}`,
    '',
  ].join('\n');
}

/** Routes via the feeder in the node namespace's main table (the default route excluded). */
async function feedRoutes(host: string): Promise<number> {
  const { stdout } = await promisify(execFile)('sh', ['-c', `ip -n ${host} -4 route show | grep -v '^default' | grep -c ' via ${FEEDER_IP} ' || true`]);
  return Number(stdout.trim());
}

async function main(): Promise<void> {
  const n = Number(process.argv[3] ?? 100000);
  const idlePods = Number(process.argv[4] ?? 20);
  const maxBusy = Number(process.argv[5] ?? 200);
  const sfx = `${process.pid % 10000}`;
  const host = `gh-cnib-host-${sfx}`;
  const feed = `gh-cnib-feed-${sfx}`;
  const work = makeWorkDir('cni-bgp-bench');
  const etcd = await startEtcd();
  const store = new EtcdDatastore({ endpoints: [etcd.endpoint] });
  const created: string[] = [];
  let stopAgent: (() => Promise<void>) | undefined;
  let birdPid: number | undefined;
  let ctl: BirdControl | undefined;
  try {
    await store.create({ apiVersion: API_VERSION, kind: 'IPPool', metadata: { name: 'bench' }, spec: { cidr: '192.168.128.0/20', blockSize: 26, ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false, nodeSelector: 'all()' } });
    await store.create({ apiVersion: API_VERSION, kind: 'BGPPeer', metadata: { name: 'feeder' }, spec: { peerIP: FEEDER_IP, asNumber: 65001 } });
    const lab = await startAgentLab({ work, host, node: `gh-cnib-node-${sfx}`, hostIp: HOST_IP, gateway: FEEDER_IP, etcd, created });
    stopAgent = lab.stop;
    // The uplink's other end into the feeder's namespace.
    addNetns(feed);
    created.push(feed);
    execFileSync('ip', ['-n', host, 'link', 'set', 'up1', 'netns', feed]);
    execFileSync('ip', ['-n', feed, 'addr', 'add', `${FEEDER_IP}/24`, 'dev', 'up1']);
    execFileSync('ip', ['-n', feed, 'link', 'set', 'up1', 'up']);
    const routesFile = path.join(work, 'routes.conf');
    writeBirdRoutes(routesFile, n, 1);
    writeFileSync(path.join(work, 'feeder.conf'), feederConf(work, routesFile));
    const ctlPath = path.join(work, 'feeder.ctl');
    const bird = spawnDaemon({ name: 'feeder', cmd: 'ip', args: ['netns', 'exec', feed, process.env.BIRD2_BIN ?? '/usr/sbin/bird', '-f', '-c', path.join(work, 'feeder.conf'), '-s', ctlPath], workDir: work });
    birdPid = bird.pid;
    await waitFor(() => (bird.exited() ? Promise.reject(new Error(bird.logTail())) : existsSync(ctlPath)), 30000, 'the feeder\'s control socket');
    ctl = await BirdControl.connect(ctlPath);
    const c = ctl;
    await waitFor(async () => (await c.proto('feed')).imported >= n, 120000, `the feeder to load ${n} routes`);

    const inv = (id: string, command: string): Invocation => ({ command, containerId: id, netns: `/var/run/netns/gh-cnib-${id}`, pod: id, namespace: 'bench', cniPath: lab.binDir });
    const stdin = JSON.stringify(lab.conf);
    const bin = path.join(lab.binDir, 'gingham');
    const add = async (id: string): Promise<number> => {
      addNetns(`gh-cnib-${id}`);
      created.push(`gh-cnib-${id}`);
      return timed(() => invokePlugin(host, bin, inv(id, 'ADD'), stdin), `ADD ${id}`);
    };
    // DEL answered "try again later" (code 11) is retried as kubelet retries it, at most 10 times a second apart;
    // how often that happened is reported.
    let delRetries = 0;
    const del = async (ids: readonly string[]): Promise<void> => {
      for (const id of ids) {
        for (let attempt = 1; ; attempt++) {
          const r = await invokePlugin(host, bin, inv(id, 'DEL'), stdin);
          if (r.code === 0) break;
          if (!r.stdout.includes('"code":11') || attempt === 10) throw new Error(`DEL ${id} failed (${String(r.code)}): ${r.stdout}`);
          delRetries++;
          process.stderr.write(`DEL ${id} answered code 11, retrying: ${r.stdout.slice(0, 200)}\n`);
          await sleep(1000);
        }
        deleteNetns(`gh-cnib-${id}`);
      }
    };
    const lines = [`Load average at the start: ${loadText()}.`, ''];
    const serial = async (prefix: string, count: number): Promise<number[]> => {
      const ids = Array.from({ length: count + 1 }, (_, i) => `${prefix}-${i}`);
      const out: number[] = [];
      for (const id of ids) out.push(await add(id));
      await del(ids);
      return out.slice(1); // the first pod warms up
    };
    const idle = await serial('idle', idlePods);
    process.stderr.write(`idle: ${JSON.stringify(summary(idle))}\n`);

    // Converging: the feeder's session enabled, ADDs one after another until the table holds every route.
    const base = await feedRoutes(host);
    const cpu0 = procStat(lab.pid)?.cpuS ?? 0;
    const t0 = Date.now();
    await ctl.cmd('enable agent');
    let convergedMs: number | undefined;
    let installed = 0;
    const poller = (async () => {
      while (convergedMs === undefined && Date.now() - t0 < 600000) {
        installed = (await feedRoutes(host)) - base;
        if (installed >= n) convergedMs = Date.now() - t0;
        else await sleep(500);
      }
    })();
    const busyIds: string[] = [];
    const busy: number[] = [];
    while (convergedMs === undefined && busyIds.length < maxBusy) {
      const id = `busy-${busyIds.length}`;
      busyIds.push(id);
      const ms = await add(id);
      if (convergedMs === undefined) busy.push(ms); // only ADDs that ended before the table was complete count
    }
    await poller;
    process.stderr.write(`converging: ${busy.length} ADDs ${JSON.stringify(busy.length > 0 ? summary(busy) : {})}, converged after ${String(convergedMs)} ms (${installed} routes)\n`);
    const agentCpu = (procStat(lab.pid)?.cpuS ?? 0) - cpu0;
    const loadAfterConv = loadText();
    await del(busyIds);
    const after = await serial('after', idlePods);
    const row = (phase: string, xs: number[]): string => {
      const s = summary(xs);
      return `| ${phase} | ${xs.length} | ${s.p50.toFixed(0)} | ${s.p99.toFixed(0)} | ${s.max.toFixed(0)} | ${(s.p50 / summary(idle).p50).toFixed(1)}x |`;
    };
    lines.push('| phase | ADDs | ADD p50 ms | ADD p99 ms | ADD max ms | p50 / idle p50 |', '|---|---|---|---|---|---|');
    lines.push(row('agent idle', idle));
    if (busy.length > 0) lines.push(row(`agent converging ${n} routes`, busy));
    lines.push(row(`after, ${n} routes in the table`, after));
    lines.push('');
    lines.push(convergedMs !== undefined ? `Convergence (enable to ${n} routes in the node namespace's table): ${(convergedMs / 1000).toFixed(1)} s, agent CPU ${agentCpu.toFixed(1)} s over that time (ADDs included); load average then ${loadAfterConv}.` : `Not converged within 600 s: ${installed} of ${n} routes installed.`);
    const check = await runCheck(store, {}, Date.now());
    lines.push(`DELs answered code 11 and retried: ${delRetries}. \`ipam check\` after the run: ${check.problems} problems. Load average at the end: ${loadText()}.`);
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    ctl?.close();
    if (birdPid !== undefined) await stopProcess(birdPid).catch(() => undefined);
    await teardownLab({ ...(stopAgent ? { stopAgent } : {}), created, store, etcd });
  }
}

runBench(main);
