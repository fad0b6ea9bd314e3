// `gingham lab probe FROM TO`: one connection attempt from a lab pod, as the upstream network-policy e2e tests make
// them (agnhost connect): TCP connects (and reads the answer), UDP sends one datagram and waits for the reply, within
// the timeout. FROM is NS/POD (or POD in default); TO is NS/POD, NS/SERVICE (its ClusterIP) or an IP. The client runs
// inside FROM's network namespace (pod-server.ts probe). Exit status: 0 connected, 1 blocked, 2 the probe failed.
// SCTP: node has no SCTP sockets, so the probe asks the kernel with socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP) in
// python3; where that fails the probe says so and exits 2.
import { execIn, type LabSys } from './lab-sys';
import type { LabSelf } from './lab-daemons';
import type { LabState } from './lab-state';
import { findPod, LabTargetError } from './lab-status';
import type { ProbeResult } from './pod-server';

export interface ProbeRequest {
  readonly from: string;
  readonly to: string;
  readonly port?: number;
  readonly protocol: 'tcp' | 'udp' | 'sctp';
  readonly timeoutMs: number;
}

export interface ProbeReport extends ProbeResult {
  readonly from: string;
  readonly to: string;
  readonly ip: string;
  readonly port: number;
  readonly protocol: string;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** The address and port a probe goes to: a pod's IP, a service's ClusterIP (and its first port), or an IP as given. */
export function probeTarget(s: Pick<LabState, 'pods' | 'topology' | 'cluster' | 'clusterIPs'>, to: string, port: number | undefined, protocol: string): { ip: string; port: number } {
  if (IPV4.test(to)) return { ip: to, port: port ?? 80 };
  const [ns, name] = to.includes('/') ? (to.split('/', 2) as [string, string]) : ['default', to];
  const svc = s.cluster?.services[`${ns}/${name}`];
  if (svc) {
    const ip = s.clusterIPs?.[`${ns}/${name}`];
    if (!ip) throw new LabTargetError(`service ${ns}/${name} has no ClusterIP yet`);
    const sp = svc.spec.ports.find((x) => x.protocol.toLowerCase() === protocol && (port === undefined || x.port === port)) ?? svc.spec.ports[0]!;
    return { ip, port: port ?? sp.port };
  }
  const pod = findPod(s, to);
  if (!pod.ip) throw new LabTargetError(`pod ${to} has no address (${pod.error ?? 'not created'})`);
  return { ip: pod.ip, port: port ?? 80 };
}

const SCTP_CHECK = 'import socket,sys\ntry:\n  socket.socket(socket.AF_INET, socket.SOCK_STREAM, 132).close()\nexcept OSError as e:\n  print(e.strerror); sys.exit(1)\n';
const SCTP_CONNECT =
  'import socket,sys,json,time\nt0=time.time()\ns=socket.socket(socket.AF_INET, socket.SOCK_STREAM, 132)\ns.settimeout(float(sys.argv[3])/1000)\n' +
  'try:\n  s.connect((sys.argv[1], int(sys.argv[2]))); r={"result":"connected"}\nexcept (socket.timeout, ConnectionRefusedError, OSError) as e:\n  r={"result":"blocked","reason":str(e)}\n' +
  'r["ms"]=int((time.time()-t0)*1000)\nprint(json.dumps(r))\nsys.exit(0 if r["result"]=="connected" else 1)\n';

export function labProbe(sys: LabSys, self: LabSelf, s: LabState, req: ProbeRequest): ProbeReport {
  const from = findPod(s, req.from);
  const { ip, port } = probeTarget(s, req.to, req.port, req.protocol);
  const base = { from: req.from, to: req.to, ip, port, protocol: req.protocol };
  let r;
  if (req.protocol === 'sctp') {
    const check = execIn(sys, from.namespace, ['python3', '-c', SCTP_CHECK], { timeoutMs: 10_000 });
    if (check.status !== 0) return { ...base, result: 'failed', reason: `this kernel has no SCTP: socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP): ${(check.stdout || check.stderr).trim()}`, ms: 0 };
    r = execIn(sys, from.namespace, ['python3', '-c', SCTP_CONNECT, ip, String(port), String(req.timeoutMs)], { timeoutMs: req.timeoutMs + 5000 });
  } else {
    r = execIn(sys, from.namespace, [self.node, self.podServer, 'probe', ip, String(port), req.protocol, String(req.timeoutMs)], { timeoutMs: req.timeoutMs + 10_000 });
  }
  try {
    return { ...base, ...(JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as ProbeResult) };
  } catch {
    return { ...base, result: 'failed', reason: `probe client exited ${r.status}: ${(r.stderr || r.stdout).trim()}`, ms: 0 };
  }
}
