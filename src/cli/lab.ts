// `gingham lab up|status|exec|apply|down`: the local lab of src/lab/ on this machine, as root. Where the lab lives
// is --state-dir (GINGHAM_LAB_DIR, default /var/run/gingham-lab) and its namespaces start with --prefix
// (GINGHAM_LAB_PREFIX, default glab-), so two labs (or a test's) never collide.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import {
  DEFAULT_LAB_DIR,
  DEFAULT_LAB_PREFIX,
  LabCommandError,
  LabLockError,
  LabNotUpError,
  LabOptionError,
  LabTargetError,
  LabUpError,
  execTarget,
  labDown,
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
  applyCalico,
  applyObjects,
  changeCluster,
  decodeLabObject,
  deleteObjects,
  keyOf,
  labProbe,
  LabObjectError,
  relabel,
  runPod,
  splitManifests,
  type LabClusterDeps,
} from '../lab';
import { ValidationError } from '../api/errors';
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
  return { node: process.execPath, gingham: entry, cniPlugin: path.join(dir, 'cni-gingham.js'), cniIpam: path.join(dir, 'cni-gingham-ipam.js'), podServer: path.join(dir, '..', 'lab', 'pod-server.js') };
}

function requireRoot(verb: string): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) throw new CliExit(1, `lab ${verb}: needs root (network namespaces): run it with sudo`);
}

/** Lab errors are the operator's to read: one line, no stack. */
async function labErrors<T>(verb: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof LabOptionError || err instanceof LabUpError || err instanceof LabNotUpError || err instanceof LabTargetError || err instanceof LabCommandError || err instanceof LabObjectError || err instanceof LabLockError || err instanceof ValidationError) {
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
    ['NAMESPACE', 'POD', 'NODE', 'NETNS', 'IP'],
    s.pods.map((p) => [p.k8sNamespace, p.name, p.node, p.namespace, p.ip ?? `(failed: ${p.error ?? 'unknown'})`]),
  );
  const services = s.services.length === 0 ? '' : `\n${plainTable(['NAMESPACE', 'SERVICE', 'CLUSTER-IP', 'PORTS'], s.services.map((x) => [x.namespace, x.name, x.clusterIP, x.ports]))}`;
  const etcd = `etcd ${s.etcd.endpoint} in ${s.etcd.namespace}: ${daemonState(s.etcd)}\n`;
  const warn = s.warnings.map((w) => `warning: ${w}\n`).join('');
  return `${etcd}\n${nodes}\n${pods}${services}${warn ? `\n${warn}` : ''}`;
}

function readFileOr(verb: string, file: string): string {
  try {
    return readFileSync(path.resolve(file), 'utf8');
  } catch (err) {
    throw new CliExit(1, `lab ${verb}: -f: cannot read ${file}: ${(err as Error).message}`);
  }
}

function parseLabels(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of (text ?? '').split(',').filter((x) => x !== '')) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new CliExit(1, `lab run: --labels: "${kv}" is not k=v`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

function parsePort(text: string): { port: number; protocol: 'TCP' | 'UDP' | 'SCTP' } {
  const [p, proto = 'tcp'] = text.split('/');
  const port = Number(p);
  const protocol = proto.toUpperCase();
  if (!Number.isInteger(port) || port < 1 || port > 65535 || !['TCP', 'UDP', 'SCTP'].includes(protocol)) throw new CliExit(1, `lab run: --port: "${text}" is not PORT[/tcp|udp|sctp]`);
  return { port, protocol: protocol as 'TCP' | 'UDP' | 'SCTP' };
}

/** 1s, 500ms, 2.5s: milliseconds, or undefined. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  return ms > 0 && ms <= 600_000 ? Math.round(ms) : undefined;
}

function clusterDeps(deps: CliDeps): LabClusterDeps {
  return { sys: realLabSys, self: self(), progress: (l: string) => deps.stdout(`${l}\n`), random: Math.random };
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
      .option('--route-reflector <node>', 'make this node the route reflector and turn the mesh off (the tutorial steps)')
      .option('--auto-route-reflectors <n>', 'run gingham controllers run in the lab and let it choose and keep n route reflectors'),
  ).action(async (o: Where & { nodes: string; podsPerNode: string; encap: string; subnets: string; routeReflector?: string; autoRouteReflectors?: string }) => {
    requireRoot('up');
    const opts = {
      nodes: parseIntOption('--nodes', o.nodes),
      podsPerNode: parseIntOption('--pods-per-node', o.podsPerNode),
      encap: o.encap as LabEncap,
      subnets: parseIntOption('--subnets', o.subnets) as 1 | 2,
      prefix: o.prefix,
      ...(o.routeReflector !== undefined ? { routeReflector: o.routeReflector } : {}),
      ...(o.autoRouteReflectors !== undefined ? { autoRouteReflectors: parseIntOption('--auto-route-reflectors', o.autoRouteReflectors) } : {}),
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

  const manifests = async (verb: string, filename: string): Promise<unknown[]> => {
    const text = filename === '-' ? await deps.readStdin() : readFileOr(verb, filename);
    const docs = parseAllDocuments(text);
    const bad = docs.find((d) => d.errors.length > 0);
    if (bad) throw new CliExit(1, `lab ${verb}: ${filename}: ${bad.errors[0]!.message}`);
    return docs.map((d) => d.toJS() as unknown);
  };

  /** `lab apply|delete -f`: the Calico kinds through `gingham`, the lab's Kubernetes kinds into its cluster. */
  const fileVerb = (verb: 'apply' | 'delete', description: string, body: (dir: string, k8s: ReturnType<typeof splitManifests>['k8s']) => Promise<void>): void => {
    where(lab.command(verb).description(description).requiredOption('-f, --filename <file>', 'YAML or JSON file, or - for stdin')).action(async (o: Where & { filename: string }) => {
      requireRoot(verb);
      const dir = path.resolve(o.stateDir);
      const docs = await manifests(verb, o.filename);
      await labErrors(verb, async () => {
        const { k8s, calico } = splitManifests(docs);
        deps.stdout(applyCalico(clusterDeps(deps), labState(dir), calico, verb));
        if (k8s.length > 0) await body(dir, k8s);
      });
    });
  };

  fileVerb(
    'apply',
    'create or update objects: v1 Namespace/Pod/Service, apps/v1 Deployment, networking.k8s.io/v1 NetworkPolicy (kept by the lab) and projectcalico.org/v3 kinds (through the lab datastore)',
    async (dir, k8s) => {
      await changeCluster(dir, clusterDeps(deps), (c, st) => applyObjects(c, k8s, st.topology.nodes.map((n) => n.name), Math.random));
      for (const x of k8s) deps.stdout(`${x.kind.toLowerCase()}/${x.metadata.name} configured\n`);
    },
  );

  fileVerb('delete', "delete the objects of a file (the lab's Kubernetes kinds and projectcalico.org/v3 kinds)", async (dir, k8s) => {
    let missing: string[] = [];
    await changeCluster(dir, clusterDeps(deps), (c) => {
      const r = deleteObjects(c, k8s);
      missing = r.missing;
      return r.cluster;
    });
    for (const x of k8s) if (!missing.some((m) => m.endsWith(keyOf(x, x.kind !== 'Namespace')))) deps.stdout(`${x.kind.toLowerCase()}/${x.metadata.name} deleted\n`);
    if (missing.length > 0) throw new CliExit(1, `lab delete: not found: ${missing.join(', ')}`);
  });

  where(
    lab
      .command('run')
      .description('start a pod as kubectl run does (label run=NAME); it serves its ports (default TCP 80)')
      .argument('<name>', 'pod name')
      .option('-n, --namespace <ns>', 'namespace', 'default')
      .option('--node <node>', 'the node to run on (default: the one with the fewest pods)')
      .option('--labels <labels>', 'more labels, k=v,k=v')
      .option('--port <ports>', 'ports to serve, PORT[/tcp|udp],... (default 80/tcp)'),
  ).action(async (name: string, o: Where & { namespace: string; node?: string; labels?: string; port?: string }) => {
    requireRoot('run');
    const dir = path.resolve(o.stateDir);
    const labels = parseLabels(o.labels);
    const ports = (o.port ?? '').split(',').filter((x) => x !== '').map(parsePort);
    await labErrors('run', async () => {
      const pod = decodeLabObject(runPod(name, o.namespace, o.node, labels, ports));
      const s = await changeCluster(dir, clusterDeps(deps), (c, st) => {
        if (c.pods[`${o.namespace}/${name}`]) throw new LabObjectError(`pods "${name}" already exists in namespace ${o.namespace}`);
        return applyObjects(c, [pod], st.topology.nodes.map((n) => n.name), Math.random);
      });
      const st = s.pods.find((x) => x.k8sNamespace === o.namespace && x.name === name);
      if (!st?.ip) throw new LabObjectError(`pod ${o.namespace}/${name} could not be created: ${st?.error ?? 'unknown'}`);
      deps.stdout(`pod/${name} created on ${st.node}: ${st.ip}\n`);
    });
  });

  where(
    lab
      .command('label')
      .description('set (k=v) or remove (k-) labels of a pod or namespace live: endpoints, profiles and services follow')
      .argument('<kind>', 'pod or namespace')
      .argument('<name>', 'its name')
      .argument('<labels...>', 'k=v or k-')
      .option('-n, --namespace <ns>', 'namespace of a pod', 'default'),
  ).action(async (kind: string, name: string, changes: string[], o: Where & { namespace: string }) => {
    requireRoot('label');
    const k = kind.replace(/s$/, '');
    if (k !== 'pod' && k !== 'namespace' && k !== 'ns') throw new CliExit(1, `lab label: kind: must be pod or namespace, got "${kind}"`);
    await labErrors('label', async () => {
      await changeCluster(path.resolve(o.stateDir), clusterDeps(deps), (c) => relabel(c, k === 'pod' ? 'pod' : 'namespace', o.namespace, name, changes));
      deps.stdout(`${k === 'pod' ? 'pod' : 'namespace'}/${name} labeled\n`);
    });
  });

  where(
    lab
      .command('probe')
      .description('one connection from a pod: exit 0 connected, 1 blocked, 2 the probe failed')
      .argument('<from>', 'NS/POD, or POD in default')
      .argument('<to>', 'NS/POD, NS/SERVICE or an IP')
      .option('--port <port>', 'port (default: the service\'s first port, or 80)')
      .option('--protocol <protocol>', 'tcp, udp or sctp', 'tcp')
      .option('--timeout <duration>', 'how long to wait: 1s, 500ms', '1s')
      .option('-o, --output <format>', 'text or json', 'text'),
  ).action(async (from: string, to: string, o: Where & { port?: string; protocol: string; timeout: string; output: string }) => {
    requireRoot('probe');
    const protocol = o.protocol.toLowerCase();
    if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp') throw new CliExit(2, `lab probe: --protocol: must be tcp, udp or sctp, got "${o.protocol}"`);
    if (o.output !== 'text' && o.output !== 'json') throw new CliExit(2, `lab probe: -o: must be text or json, got "${o.output}"`);
    const port = o.port === undefined ? undefined : Number(o.port);
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw new CliExit(2, `lab probe: --port: must be 1..65535, got "${o.port}"`);
    const timeoutMs = parseDuration(o.timeout);
    if (timeoutMs === undefined) throw new CliExit(2, `lab probe: --timeout: must be a duration like 1s or 500ms, got "${o.timeout}"`);
    const dir = path.resolve(o.stateDir);
    let r: ReturnType<typeof labProbe>;
    try {
      r = labProbe(realLabSys, self(), labState(dir), { from, to, ...(port !== undefined ? { port } : {}), protocol, timeoutMs });
    } catch (err) {
      if (err instanceof LabTargetError || err instanceof LabNotUpError) throw new CliExit(2, `lab probe: ${err.message}`);
      throw err;
    }
    deps.stdout(o.output === 'json' ? JSON.stringify(r) + '\n' : `${r.from} -> ${r.to} (${r.ip}:${r.port}/${r.protocol}): ${r.result}${r.reason ? ` (${r.reason})` : ''}${r.reply ? `: ${r.reply}` : ''}\n`);
    const code = r.result === 'connected' ? 0 : r.result === 'blocked' ? 1 : 2;
    if (code !== 0) throw new CliExit(code);
  });

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
