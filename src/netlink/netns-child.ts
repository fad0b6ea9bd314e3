// Entry of the namespace child: a process started inside a network namespace (`nsenter --net=PATH node
// netns-child.js`, or `ip netns exec NS ...`) that owns one RtNetlink there and serves it over stdin/stdout
// (netns-serve.ts). A Node process cannot setns(2) itself, so this is how the CNI plugin configures the container
// side of a pod's veth and how the e2e tests drive a namespace. Exits when stdin closes.
import { RtNetlink } from './rtnetlink';
import { serveNetlink } from './netns-serve';

export function runNetnsChild(): Promise<void> {
  return serveNetlink(new RtNetlink({ timeoutMs: 10000 }), process.stdin, process.stdout);
}

if (require.main === module) void runNetnsChild();
