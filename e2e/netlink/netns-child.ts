// Child process for the netlink e2e test: started with `ip netns exec NS node netns-child.js`, it owns one RtNetlink
// in that namespace and serves calls over stdin/stdout, one JSON object per line:
//   in:  { "id": 1, "method": "addRoute", "args": [ {...} ] }
//   out: { "id": 1, "ok": true, "value": ... }  or  { "id": 1, "ok": false, "error": { name, code, errno, message } }
// It exits when stdin closes. It is transpiled (not type-checked) into a temp dir by netns-client.ts, because the
// jest process cannot change its own namespace.
import { createInterface } from 'node:readline';
import { NetlinkError } from '../../src/netlink/netlink-error';
import { RtNetlink } from '../../src/netlink/rtnetlink';

/** JSON turns an undefined argument into null; the child turns it back. */
interface Call {
  readonly id: number;
  readonly method: string;
  readonly args: unknown[];
}

const nl = new RtNetlink({ timeoutMs: 10000 });
const rl = createInterface({ input: process.stdin });

function errorJson(err: unknown): Record<string, unknown> {
  if (err instanceof NetlinkError) {
    return { name: err.name, code: err.code, errno: err.errno, op: err.op, object: err.object, message: err.message };
  }
  return { name: 'Error', code: 'UNEXPECTED', message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}

function reply(obj: unknown): void {
  // Errors inside values (routeBatch results) are serialised like thrown ones.
  process.stdout.write(JSON.stringify(obj, (_k, v: unknown) => (v instanceof Error ? errorJson(v) : v)) + '\n');
}

let pending = 0;
/** Calls run one at a time, in the order they arrive, like a caller awaiting each (routeBatch pipelines inside). */
let queue: Promise<unknown> = Promise.resolve();
let inputClosed = false;

function settle(): void {
  pending--;
  if (inputClosed && pending === 0) nl.close();
}

rl.on('line', (line) => {
  let call: Call;
  try {
    call = JSON.parse(line) as Call;
  } catch {
    reply({ id: -1, ok: false, error: { name: 'Error', code: 'BAD_REQUEST', message: `bad line ${line}` } });
    return;
  }
  const fn = (nl as unknown as Record<string, unknown>)[call.method];
  if (typeof fn !== 'function' || call.method === 'constructor') {
    reply({ id: call.id, ok: false, error: { name: 'Error', code: 'NO_METHOD', message: `no method ${call.method}` } });
    return;
  }
  pending++;
  queue = queue
    .then(() => (fn as (...a: unknown[]) => unknown).apply(nl, call.args.map((a) => (a === null ? undefined : a))))
    .then(
      (value) => reply({ id: call.id, ok: true, value: value === undefined ? null : value }),
      (err: unknown) => reply({ id: call.id, ok: false, error: errorJson(err) }),
    )
    .finally(settle);
});

// Calls already read are answered before the socket closes.
rl.on('close', () => {
  inputClosed = true;
  if (pending === 0) nl.close();
});
