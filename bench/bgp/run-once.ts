// One run of the BGP propagation benchmark: FEEDER (BIRD 2, 127.0.0.2) -> DUT (127.0.0.3, started through
// bench/dut/<name>/start.sh) -> SINK (BIRD 2, 127.0.0.4), all iBGP AS 65000 with the DUT as route reflector (or eBGP
// 65001 -> 65000 -> 65002). Phases, each timed from the feeder action until the sink's imported-route counter is N or 0:
// conv (`enable dut`), withdraw (`disable feed`), reannounce (`enable feed`), flush (`disable dut`). The record has the
// reference harness's field names (conv_after_est_s, dut_peak_rss_kb, ...) so one summary reads both.
// Safety: refuses to start when anything can't bind 127.0.0.2-4:179; every wait has a deadline; every process it
// started is stopped by PID (checked against its start time) in a finally block.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { portFree } from '../../e2e/lib/loopback';
import { BirdControl } from './bird-control';
import { feederConfig, sinkConfig } from './bird-configs';
import { writeBirdRoutes } from './routes';
import { alive, procMem, procStat, started, stopStarted, tcpBytesReceived, type Started } from './proc-stats';

export const FEEDER_ADDR = '127.0.0.2';
export const DUT_ADDR = '127.0.0.3';
export const SINK_ADDR = '127.0.0.4';
const BIRD = process.env.BIRD2_BIN ?? '/usr/sbin/bird';
/** bench/ of this checkout, found from the compiled file's place (it runs from node_modules/.cache/...). */
export const BENCH_DIR = ((): string => {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'bench', 'dut', 'gingham', 'start.sh'))) return path.join(d, 'bench');
  }
  throw new Error(`bench/dut/gingham/start.sh not found above ${__dirname}`);
})();

export type Phase = 'conv' | 'withdraw' | 'reannounce' | 'flush';

export interface RunOptions {
  readonly dut: string;
  readonly n: number;
  readonly attrGroups: number;
  readonly mode: 'ibgp' | 'ebgp';
  readonly phases: readonly Phase[];
  readonly phaseTimeoutS: number;
  readonly setupTimeoutS: number;
  readonly pollS: number;
  readonly tag: string;
  readonly keepWorkdir: boolean;
}

export type RunRecord = Record<string, string | number | null | undefined>;

class BenchError extends Error {}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 3): number => Number(x.toFixed(d));
const now = (): number => performance.now() / 1000;

function log(msg: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 23)}] ${msg}\n`);
}

function oneLine(cmd: string, args: readonly string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 15000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? '?';
}

function startBird(name: string, conf: string, wd: string): { proc: Started; ctl: string } {
  const ctl = path.join(wd, `${name}.ctl`);
  const out = fs.openSync(path.join(wd, `${name}.stdout`), 'w');
  const child = spawn(BIRD, ['-f', '-c', conf, '-s', ctl, '-P', path.join(wd, `${name}.pid`)], {
    stdio: ['ignore', out, out],
    detached: true,
  });
  fs.closeSync(out);
  child.unref();
  if (child.pid === undefined) throw new BenchError(`could not start ${BIRD} for the ${name}`);
  return { proc: started(name, child.pid), ctl };
}

async function connectWhenUp(ctl: string, deadline: number): Promise<BirdControl> {
  while (now() < deadline) {
    if (fs.existsSync(ctl)) {
      try {
        return await BirdControl.connect(ctl);
      } catch {
        // socket file exists before BIRD accepts on it
      }
    }
    await sleep(50);
  }
  throw new BenchError(`control socket ${ctl} did not come up`);
}

export function startScript(dut: string): string {
  return dut.includes('/') ? path.resolve(dut) : path.join(BENCH_DIR, 'dut', dut, 'start.sh');
}

export async function runOnce(o: RunOptions): Promise<RunRecord> {
  const script = startScript(o.dut);
  const dutName = o.dut.includes('/') ? path.basename(path.dirname(script)) : o.dut;
  const versionScript = path.join(path.dirname(script), 'version.sh');
  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
  const wd = `/tmp/gingham-bgpbench/${dutName}-${o.mode}-${o.n}-${stamp}-${process.pid}`;
  fs.mkdirSync(wd, { recursive: true });
  const [fAs, dAs, sAs] = o.mode === 'ibgp' ? [65000, 65000, 65000] : [65001, 65000, 65002];
  const role = o.mode === 'ibgp' ? 'rr-client' : 'ebgp';
  const res: RunRecord = {
    harness: 'gingham-bench',
    dut: dutName,
    n: o.n,
    mode: o.mode,
    tag: o.tag,
    attr_groups: o.attrGroups,
    date: new Date().toISOString(),
    dut_version: fs.existsSync(versionScript) ? oneLine(versionScript, []) : '?',
    feeder_version: oneLine(BIRD, ['--version']),
    loadavg: fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    workdir: wd,
    poll_s: o.pollS,
    status: 'started',
  };
  const procs: Started[] = [];
  const ctls: BirdControl[] = [];
  try {
    for (const a of [FEEDER_ADDR, DUT_ADDR, SINK_ADDR]) {
      if (!(await portFree(a))) throw new BenchError(`${a}:179 is in use (or cannot be bound): stop what listens there first`);
    }
    // 1. feed + feeder, its session to the DUT disabled
    let t = now();
    const routesFile = path.join(wd, 'routes.conf');
    writeBirdRoutes(routesFile, o.n, o.attrGroups);
    res.gen_s = round(now() - t);
    const side = { workdir: wd, dutAddr: DUT_ADDR, dutAsn: dAs };
    fs.writeFileSync(path.join(wd, 'feeder.conf'), feederConfig({ ...side, addr: FEEDER_ADDR, asn: fAs }, routesFile));
    fs.writeFileSync(path.join(wd, 'sink.conf'), sinkConfig({ ...side, addr: SINK_ADDR, asn: sAs }));
    t = now();
    const feeder = startBird('feeder', path.join(wd, 'feeder.conf'), wd);
    procs.push(feeder.proc);
    let deadline = now() + o.setupTimeoutS;
    const fctl = await connectWhenUp(feeder.ctl, deadline);
    ctls.push(fctl);
    for (;;) {
      const p = await fctl.proto('feed');
      if (p.imported >= o.n) break;
      if (now() > deadline || !alive(feeder.proc.pid)) throw new BenchError(`feeder did not load ${o.n} routes (has ${p.imported})`);
      await sleep(100);
    }
    res.feeder_load_s = round(now() - t);
    log(`feeder up (pid ${feeder.proc.pid}), ${o.n} routes in ${res.feeder_load_s}s`);

    // 2. DUT through its start script (prints the daemon's PID last)
    const tDut = now();
    const args = [DUT_ADDR, String(dAs), DUT_ADDR, wd, `${FEEDER_ADDR},${fAs},${role}`, `${SINK_ADDR},${sAs},${role}`];
    res.dut_cmd = [script, ...args].join(' ');
    // in a session of its own, as the reference harness does: with the kernel's autogroup scheduling the session
    // decides the DUT's CPU share on a loaded machine, so both harnesses must place it alike to agree
    const r = spawnSync('setsid', ['--wait', script, ...args], { encoding: 'utf8', timeout: 60000 });
    if (r.status !== 0) throw new BenchError(`DUT start script failed (rc ${r.status}): ${(r.stderr ?? '').trim()}`);
    const dpid = Number((r.stdout ?? '').trim().split('\n').pop());
    if (!Number.isInteger(dpid) || dpid <= 0) throw new BenchError(`DUT start script printed no PID: ${JSON.stringify(r.stdout)}`);
    const dut = started('dut', dpid);
    procs.push(dut);
    if (!alive(dpid)) throw new BenchError(`DUT pid ${dpid} is not running (see ${wd})`);
    log(`DUT ${dutName} pid ${dpid}`);

    // 3. sink; wait for its session with the DUT
    const sink = startBird('sink', path.join(wd, 'sink.conf'), wd);
    procs.push(sink.proc);
    deadline = now() + Math.min(o.setupTimeoutS, 120);
    const sctl = await connectWhenUp(sink.ctl, deadline);
    ctls.push(sctl);
    for (;;) {
      const p = await sctl.proto('dut');
      if (p.state === 'Established') break;
      if (now() > deadline) throw new BenchError(`sink<->DUT session not Established (state ${p.state})`);
      if (!alive(dpid)) throw new BenchError(`DUT died during start-up (see ${wd})`);
      await sleep(100);
    }
    res.dut_up_s = round(now() - tDut);
    res.dut_cmdline = fs.readFileSync(`/proc/${dpid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    await sleep(1000); // End-of-RIB exchange etc.
    res.dut_rss_idle_kb = procMem(dpid).rssKb;
    const cpu = { dut: procStat(dpid)?.cpuS ?? 0, feeder: procStat(feeder.proc.pid)?.cpuS ?? 0, sink: procStat(sink.proc.pid)?.cpuS ?? 0 };
    const trace = fs.openSync(path.join(wd, 'trace.csv'), 'w');
    fs.writeSync(trace, 'phase,t_s,sink_count,dut_cpu_s,feeder_exported\n');

    const measure = async (phase: Phase, action: string, target: number): Promise<boolean> => {
      const b0 = tcpBytesReceived(SINK_ADDR, DUT_ADDR);
      const t0 = now();
      await fctl.cmd(action);
      const end = t0 + o.phaseTimeoutS;
      let tEst: number | undefined;
      let tFirst: number | undefined;
      let elapsed: number | undefined;
      let count = -1;
      let next = t0;
      for (;;) {
        // the feeder is queried every tick too: that also wakes BIRD 2.0.12 out of its up-to-3 s poll() sleep
        // after the last feed batch (see the reference BASELINE.md, note 2)
        const f = await fctl.proto('dut');
        if (phase === 'conv' && tEst === undefined && f.state === 'Established') tEst = now() - t0;
        count = (await sctl.proto('dut')).imported;
        const tn = now();
        fs.writeSync(trace, `${phase},${(tn - t0).toFixed(3)},${count},${procStat(dpid)?.cpuS ?? ''},${f.exported}\n`);
        if (tFirst === undefined && count !== (target === 0 ? o.n : 0)) tFirst = tn - t0;
        if (count === target) {
          elapsed = tn - t0;
          break;
        }
        if (tn > end) break;
        if (!alive(dpid)) {
          res.status = `DUT died in ${phase}`;
          break;
        }
        next += o.pollS;
        await sleep(Math.max(0, (next - now()) * 1000));
      }
      res[`${phase}_s`] = elapsed !== undefined ? round(elapsed) : null;
      res[`${phase}_first_s`] = tFirst !== undefined ? round(tFirst) : null;
      res[`${phase}_final_count`] = count;
      if (phase === 'conv') {
        res.conv_est_s = tEst !== undefined ? round(tEst) : null;
        if (elapsed !== undefined && tEst !== undefined) res.conv_after_est_s = round(elapsed - tEst);
      }
      const c = { dut: procStat(dpid)?.cpuS, feeder: procStat(feeder.proc.pid)?.cpuS, sink: procStat(sink.proc.pid)?.cpuS };
      for (const k of ['dut', 'feeder', 'sink'] as const) {
        const v = c[k];
        if (v !== undefined) {
          res[`${phase}_${k}_cpu_s`] = round(v - cpu[k], 2);
          cpu[k] = v;
        }
      }
      const b1 = tcpBytesReceived(SINK_ADDR, DUT_ADDR);
      if (b0 !== undefined && b1 !== undefined && b1 >= b0) res[`${phase}_sink_rx_bytes`] = b1 - b0;
      const m = procMem(dpid);
      res[`${phase}_dut_rss_kb`] = m.rssKb;
      res[`${phase}_dut_hwm_kb`] = m.hwmKb;
      log(`${phase}: ${phase}_s=${res[`${phase}_s`]} after_est=${res.conv_after_est_s ?? '-'} cpu=${res[`${phase}_dut_cpu_s`]} hwm=${m.hwmKb}kB`);
      if (elapsed === undefined && res.status === 'started') res.status = `${phase} timed out after ${o.phaseTimeoutS}s (sink had ${count})`;
      return elapsed !== undefined;
    };

    const actions: Record<Phase, [string, number]> = {
      conv: ['enable dut', o.n],
      withdraw: ['disable feed', 0],
      reannounce: ['enable feed', o.n],
      flush: ['disable dut', 0],
    };
    let ok = await measure('conv', ...actions.conv);
    if (ok) fs.writeFileSync(path.join(wd, 'sink-sample.txt'), (await sctl.cmd('show route 10.0.0.0/24 all')).join('\n') + '\n');
    for (const ph of o.phases) {
      if (!ok) break;
      if (ph !== 'conv') ok = await measure(ph, ...actions[ph]);
    }
    fs.closeSync(trace);
    if (ok) res.status = 'ok';
    res.dut_peak_rss_kb = procMem(dpid).hwmKb;
    const st = procStat(dpid);
    res.dut_cpu_total_s = st !== undefined ? round(st.cpuS, 2) : null;
  } catch (e) {
    res.status = `error: ${e instanceof Error ? e.message : String(e)}`;
    log(`ERROR: ${String(res.status)}`);
  } finally {
    for (const c of ctls) c.close();
    for (const p of [...procs].reverse()) await stopStarted(p);
    // FRR's bgpd leaves /var/tmp/frr/bgpd.<pid>: remove the DUT's only
    const dut = procs.find((p) => p.name === 'dut');
    if (dut !== undefined) fs.rmSync(`/var/tmp/frr/bgpd.${dut.pid}`, { recursive: true, force: true });
    res.end = new Date().toISOString();
    if (!o.keepWorkdir && res.status === 'ok') fs.rmSync(path.join(wd, 'routes.conf'), { force: true });
  }
  return res;
}
