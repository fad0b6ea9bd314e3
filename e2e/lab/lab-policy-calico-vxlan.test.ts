// Calico policy semantics (lab-policy-calico.ts) in a lab whose pool is VXLAN Always: pod traffic between nodes goes
// through vxlan.calico, and policy still judges the inner packet. Needs `npm run build`.
import { describeCalicoSemantics } from './lab-policy-calico';

describeCalicoSemantics('vxlan');
