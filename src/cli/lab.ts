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

function formatStatus(s: LabStatus): string {
  const nodes = plainTable(
    ['NODE', 'NAMESPACE', 'ADDRESS', 'AGENT'],
    s.nodes.map((n) => [n.name, n.namespace, n.address, n.running ? `running (pid ${n.pid})` : 'not running']),
  );
  const pods = plainTable(
    ['POD', 'NODE', 'NAMESPACE', 'IP'],
    s.pods.map((p) => [p.name, p.node, p.namespace, p.ip ?? `(failed: ${p.error ?? 'unknown'})`]),
  );
  const etcd = `etcd ${s.etcd.endpoint} in ${s.etcd.namespace}: ${s.etcd.running ? `running (pid ${s.etcd.pid})` : 'not running'}\n`;
  const warn = s.warnings.map((w) => `warning: ${w}\n`).join('');
  return `${etcd}\n${nodes}\n${pods}${warn ? `\n${warn}` : ''}`;
}

function parseIntOption(name: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new CliExit(1, `lab up: ${name}: must be a whole number, got "${v}"`);
  return Number(v);
}

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
      .argument('<target>', 'node name, pod name, or lan')
      .argument('<command...>', 'the command (after --)'),
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
    const pid = await labErrors('restart', () => labRestartNode(path.resolve(o.stateDir), node, { sys: realLabSys, self: self(), progress: (l) => deps.stdout(`${l}\n`) }));
    deps.stdout(`lab: gingham node run on ${node} running again (pid ${pid})\n`);
  });

  where(lab.command('down').description('remove every namespace, process and file of the lab (also after a crash)')).action(async (o: Where) => {
    requireRoot('down');
    const r = await labErrors('down', () => labDown(path.resolve(o.stateDir), realLabSys));
    deps.stdout(`lab down: stopped ${r.stopped.length} process(es), removed ${r.namespaces.length} namespace(s)${r.removedDir ? `, removed ${path.resolve(o.stateDir)}` : ''}\n`);
  });
}
