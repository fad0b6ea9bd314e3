// The VTEP MAC of a node's vxlan.calico device when Node.spec.vxlanTunnelMACAddr is not set: Felix's deterministic
// choice, so every node computes the same MAC for a peer without asking it: the first byte 0x66 (a locally
// administered unicast address), then the first five bytes of SHA-1 of the node name (IPv6 devices hash
// `<name>-v6`). Calico: felix/dataplane/linux/vxlan_mgr.go.
import { createHash } from 'node:crypto';

export function vxlanMacForNode(nodeName: string, family: 4 | 6 = 4): string {
  const digest = createHash('sha1')
    .update(family === 6 ? `${nodeName}-v6` : nodeName)
    .digest();
  const bytes = [0x66, ...digest.subarray(0, 5)];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
