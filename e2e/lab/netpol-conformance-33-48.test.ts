// Upstream Kubernetes network-policy conformance, cases K8S-33..48 (netpol-cases.ts) on a two-node lab: the full 9x9
// matrix judged per probe, real packets through the agents' nftables tables (runner: netpol-conformance.ts).
// Needs `npm run build`.
import { describeConformance } from './netpol-conformance';

const n = (id: string): number => Number(id.slice('K8S-'.length));
describeConformance('K8S-33..48', 'nc', (c) => n(c.id) >= 33 && n(c.id) <= 48);
