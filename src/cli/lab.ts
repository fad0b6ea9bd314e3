// `gingham lab up|status|exec|apply|down`: the local lab of src/lab/ on this machine, as root. Where the lab lives
// is --state-dir (GINGHAM_LAB_DIR, default /var/run/gingham-lab) and its namespaces start with --prefix
// (GINGHAM_LAB_PREFIX, default glab-), so two labs (or a test's) never collide.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Command } from 'commander';
import {
  DEFAULT_LAB_DIR,
  DEFAULT_LAB_PREFIX,
  LabCommandError,
  LabNotUpError,
  LabOptionError,
  LabTargetError,
  LabUpError,
  execTarget,
  labDown,
  labGingham,
  labState,
  labStatus,
  labUp,
  labRestartNode,
  labStart,
  labStop,
  nodeStatus,
  realLabSys,
  type LabEncap,
  type LabSelf,
  type LabStatus,
} from '../lab';
import type { CliDeps } from './deps';
import { formatNodeStatus } from './node-status';
import { CliExit } from './run';
import { plainTable } from './table';

interface Where {
  readonly stateDir: string;
  readonly prefix: string;
}

function where(c: Command): Command {
  return c
    .option('--state-dir <dir>', 'the lab state directory', process.env.GINGHAM_LAB_DIR ?? DEFAULT_LAB_DIR)
    .option('--prefix <prefix>', 'prefix of the lab namespaces', process.env.GINGHAM_LAB_PREFIX ?? DEFAULT_LAB_PREFIX);
}

function self(): LabSelf {
  const entry = path.resolve(process.argv[1] ?? 'gingham');
  const dir = path.dirname(entry);
  return { node: process.execPath, gingham: entry, cniPlugin: path.join(dir, 'cni-gingham.js'), cniIpam: path.join(dir, 'cni-gingham-ipam.js') };
}

function requireRoot(verb: string): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) throw new CliExit(1, `lab ${verb}: needs root (network namespaces): run it with sudo`);
}

/** Lab errors are the operator's to read: one line, no stack. */
async function labErrors<T>(verb: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof LabOptionError || err instanceof LabUpError || err instanceof LabNotUpError || err instanceof LabTargetError || err instanceof LabCommandError) {
      throw new CliExit(1, `lab ${verb}: ${err.message}`);
    }
    throw err;
  }
}

function daemonState(d: { running: boolean; pid?: number; stopped?: boolean }): string {
  if (d.running) return `running (pid ${d.pid})`;
  return d.stopped ? 'stopped (gingham lab stop)' : d.pid !== undefined ? `not running (pid ${d.pid} exited)` : 'not running';
}

function formatStatus(s: LabStatus): string {
  const nodes = plainTable(
    ['NODE', 'NAMESPACE', 'ADDRESS', 'AGENT'],
    s.nodes.map((n) => [n.name, n.namespace, n.address, daemonState(n)]),
  );
  const pods = plainTable(
    ['POD', 'NODE', 'NAMESPACE', 'IP'],
    s.pods.map((p) => [p.name, p.node, p.namespace, p.ip ?? `(failed: ${p.error ?? 'unknown'})`]),
  );
  const etcd = `etcd ${s.etcd.endpoint} in ${s.etcd.namespace}: ${daemonState(s.etcd)}\n`;
  const warn = s.warnings.map((w) => `warning: ${w}\n`).join('');
  return `${etcd}\n${nodes}\n${pods}${warn ? `\n${warn}` : ''}`;
}

function parseIntOption(name: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new CliExit(1, `lab up: ${name}: must be a whole number, got "${v}"`);
  return Number(v);
}

const EXEC_HINT =
  'Put -- between the target and the command: gingham lab exec node1 -- ip -4 route. Everything after -- is the command, ' +
  'its options included; without --, lab exec reads -h, --state-dir and --prefix as its own.';

export function registerLab(program: Command, deps: CliDeps): void {
  const lab = program.command('lab').description('a local lab: nodes and pods in network namespaces with etcd, as root');

  where(
    lab
      .command('up')
      .description('build the lab: LAN namespace, etcd, gingham node run per node, pods through the CNI plugin')
      .option('--nodes <n>', 'number of nodes (master1, node1, node2, node3, ...)', '3')
      .option('--pods-per-node <n>', 'pods per node (<node>-pod<i>)', '2')
      .option('--encap <mode>', 'none, vxlan or ipip (the default pool mode)', 'none')
      .option('--subnets <n>', '1, or 2 (every second node on 10.0.1.0/24 behind a router)', '1')
      .option('--route-reflector <node>', 'make this node the route reflector and turn the mesh off (the tutorial steps)'),
  ).action(async (o: Where & { nodes: string; podsPerNode: string; encap: string; subnets: string; routeReflector?: string }) => {
    requireRoot('up');
    const opts = {
      nodes: parseIntOption('--nodes', o.nodes),
      podsPerNode: parseIntOption('--pods-per-node', o.podsPerNode),
      encap: o.encap as LabEncap,
      subnets: parseIntOption('--subnets', o.subnets) as 1 | 2,
      prefix: o.prefix,
      ...(o.routeReflector !== undefined ? { routeReflector: o.routeReflector } : {}),
    };
    const state = await labErrors('up', () => labUp(opts, path.resolve(o.stateDir), { sys: realLabSys, self: self(), progress: (l) => deps.stdout(`${l}\n`), env: process.env }));
    for (const n of state.topology.nodes) {
      const st = await nodeStatus(path.join(path.resolve(o.stateDir), 'nodes', n.name, 'node.sock'));
      deps.stdout(`\n${n.name}: ${st ? formatNodeStatus(st.peers, st.now) : 'Gingham process is not running.\n'}`);
    }
    deps.stdout(`\n${formatStatus(labStatus(path.resolve(o.stateDir), realLabSys))}`);
    deps.stdout(`\nlab is up. Try: sudo gingham lab exec ${state.topology.nodes[0]!.name} -- gingham node status\n`);
  });

  where(lab.command('status').description('nodes and pods of the lab with their addresses').option('-o, --output <format>', 'table or json', 'table')).action(
    async (o: Where & { output: string }) => {
      if (o.output !== 'table' && o.output !== 'json') throw new CliExit(1, `lab status: -o: must be table or json, got "${o.output}"`);
      const s = await labErrors('status', async () => labStatus(path.resolve(o.stateDir), realLabSys));
      deps.stdout(o.output === 'json' ? JSON.stringify(s, null, 2) + '\n' : formatStatus(s));
    },
  );

  where(
    lab
      .command('exec')
      .description('run a command inside a lab node or pod (in a node, gingham talks to its agent and the lab etcd)')
      .usage('[--state-dir DIR] [--prefix P] TARGET -- COMMAND [ARGS...]')
      .argument('<target>', 'node name, pod name (NS/POD, or POD in default), or lan')
      .argument('<command...>', 'the command and its arguments, after --')
      // Without `--` the command's own options (ip -4, ping -c) are handed to the command, not refused; only the
      // options lab exec itself knows (-h, --state-dir, --prefix) are read before `--`, and the help says so.
      .allowUnknownOption()
      .showHelpAfterError(EXEC_HINT)
      .addHelpText('after', `\n${EXEC_HINT}\n`),
  ).action(async (target: string, command: string[], o: Where) => {
    requireRoot('exec');
    const dir = path.resolve(o.stateDir);
    const t = await labErrors('exec', async () => execTarget(labState(dir), dir, target, process.env));
    const r = spawnSync('ip', ['netns', 'exec', t.namespace, ...command], { stdio: 'inherit', env: t.env });
    if (r.error) throw new CliExit(1, `lab exec: ${r.error.message}`);
    if (r.status !== 0) throw new CliExit(r.status ?? 1);
  });

  where(lab.command('apply').description('gingham apply -f FILE against the lab datastore').requiredOption('-f, --filename <file>', 'YAML or JSON file, or - for stdin')).action(
    async (o: Where & { filename: string }) => {
      requireRoot('apply');
      const dir = path.resolve(o.stateDir);
      const s = await labErrors('apply', async () => labState(dir));
      const input = o.filename === '-' ? await deps.readStdin() : undefined;
      const file = o.filename === '-' ? '-' : path.resolve(o.filename);
      const r = labGingham(realLabSys, self(), s.topology, ['apply', '-f', file], input);
      deps.stdout(r.stdout);
      if (r.stderr) deps.stderr(r.stderr);
      if (r.status !== 0) throw new CliExit(r.status ?? 1);
    },
  );

  where(lab.command('restart').description("restart one node's gingham node run (SIGTERM, then start again)").argument('<node>', 'node name')).action(async (node: string, o: Where) => {
    requireRoot('restart');
    const pid = await labErrors('restart', () => labRestartNode(path.resolve(o.stateDir), node, { sys: realLabSys, self: self(), progress: (l: string) => deps.stdout(`${l}\n`) }));
    deps.stdout(`lab: gingham node run on ${node} running again (pid ${pid}) and healthy\n`);
  });

  where(lab.command('stop').description("stop the lab's etcd or one node's agent (a fault drill; lab status says stopped)").argument('<what>', 'etcd or a node name')).action(
    async (what: string, o: Where) => {
      requireRoot('stop');
      await labErrors('stop', () => labStop(path.resolve(o.stateDir), what, { sys: realLabSys, self: self(), progress: (l: string) => deps.stdout(`${l}\n`) }));
    },
  );

  where(lab.command('start').description("start the lab's etcd or one node's agent again after lab stop").argument('<what>', 'etcd or a node name')).action(
    async (what: string, o: Where) => {
      requireRoot('start');
      const pid = await labErrors('start', () => labStart(path.resolve(o.stateDir), what, { sys: realLabSys, self: self(), progress: (l: string) => deps.stdout(`${l}\n`) }));
      deps.stdout(`lab: ${what === 'etcd' ? 'etcd' : `gingham node run on ${what}`} running and healthy (pid ${pid})\n`);
    },
  );

  where(lab.command('down').description('remove every namespace, process and file of the lab (also after a crash)')).action(async (o: Where) => {
    requireRoot('down');
    const r = await labErrors('down', () => labDown(path.resolve(o.stateDir), realLabSys));
    deps.stdout(`lab down: stopped ${r.stopped.length} process(es), removed ${r.namespaces.length} namespace(s)${r.removedDir ? `, removed ${path.resolve(o.stateDir)}` : ''}\n`);
  });
}
