// The server half of the namespace bridge: answers WireRequests (netns-wire.ts) read from `input` by calling the
// given Netlink, one call at a time in arrival order (as a caller awaiting each would; routeBatch pipelines inside),
// and closes the Netlink once input ends and every call read has been answered. No namespace logic here: the process
// running it was started inside the target namespace (netns-child.ts).
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Netlink } from './netlink';
import { encodeReply, errorToWire, type WireRequest } from './netns-wire';

/** Resolves when input has closed and the Netlink has been closed. */
export function serveNetlink(nl: Netlink, input: Readable, output: Writable): Promise<void> {
  const rl = createInterface({ input });
  let pending = 0;
  let queue: Promise<unknown> = Promise.resolve();
  let inputClosed = false;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const closeIfIdle = (): void => {
    if (inputClosed && pending === 0) {
      nl.close();
      finish();
    }
  };
  const reply = (text: string): void => {
    output.write(text);
  };

  rl.on('line', (line) => {
    let call: WireRequest;
    try {
      call = JSON.parse(line) as WireRequest;
    } catch {
      reply(encodeReply({ id: -1, ok: false, error: { name: 'Error', code: 'BAD_REQUEST', message: `bad line ${line}` } }));
      return;
    }
    const fn = (nl as unknown as Record<string, unknown>)[call.method];
    if (typeof fn !== 'function' || call.method === 'constructor' || call.method === 'close') {
      reply(encodeReply({ id: call.id, ok: false, error: { name: 'Error', code: 'NO_METHOD', message: `no method ${call.method}` } }));
      return;
    }
    pending++;
    queue = queue
      .then(() => (fn as (...a: unknown[]) => unknown).apply(nl, (call.args ?? []).map((a) => (a === null ? undefined : a))))
      .then(
        (value) => reply(encodeReply({ id: call.id, ok: true, value: value === undefined ? null : value })),
        (err: unknown) => reply(encodeReply({ id: call.id, ok: false, error: errorToWire(err) })),
      )
      .finally(() => {
        pending--;
        closeIfIdle();
      });
  });
  rl.on('close', () => {
    inputClosed = true;
    closeIfIdle();
  });
  return done;
}
