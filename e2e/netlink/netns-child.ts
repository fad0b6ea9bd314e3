// Child process for the netlink e2e test: started with `ip netns exec NS node netns-child.js`, it serves one
// RtNetlink in that namespace over stdin/stdout (the product mechanism, src/netlink/netns-child.ts). It is transpiled
// (not type-checked) into a temp dir by netns-client.ts, because the jest process cannot change its own namespace.
import { runNetnsChild } from '../../src/netlink/netns-child';

void runNetnsChild();
