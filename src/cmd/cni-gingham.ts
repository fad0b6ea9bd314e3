#!/usr/bin/env node
// Entry point of the `gingham` CNI plugin executable (installed as /opt/cni/bin/gingham): pod veth, routes,
// WorkloadEndpoint, addresses from gingham-ipam or a delegated IPAM plugin. See src/cni/plugin-gingham.ts.
import { runCniExecutable } from './cni-io';

runCniExecutable('gingham');
