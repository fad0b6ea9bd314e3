#!/usr/bin/env node
// Entry point of the `gingham-ipam` CNI IPAM plugin executable (installed as /opt/cni/bin/gingham-ipam): addresses
// from Gingham's IPAM by handle. See src/cni/plugin-ipam.ts.
import { runCniExecutable } from './cni-io';

runCniExecutable('gingham-ipam');
