// The pod veth MTU: the configuration's `mtu` when non-zero, else the number `gingham node` wrote to the MTU file
// (/var/lib/gingham/mtu, the smallest MTU of the enabled encapsulations, as Felix writes /var/lib/calico/mtu), else
// 1500. A file that exists but does not hold a number is an error naming it rather than a silent fallback.
import { CNI_ERR, CniError } from './cni-error';

export const DEFAULT_POD_MTU = 1500;

export type ReadFile = (path: string) => string | undefined;

export function resolveMtu(confMtu: number, mtuFile: string, readFile: ReadFile): number {
  if (confMtu > 0) return confMtu;
  const text = readFile(mtuFile);
  if (text === undefined) return DEFAULT_POD_MTU;
  const t = text.trim();
  const n = Number(t);
  if (!/^\d+$/.test(t) || n < 68 || n > 65535) {
    throw new CniError(CNI_ERR.INVALID_CONFIG, `MTU file ${mtuFile} holds "${t}", not an MTU between 68 and 65535`);
  }
  return n;
}
