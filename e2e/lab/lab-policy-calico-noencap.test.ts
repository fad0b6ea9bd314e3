// Calico policy semantics (lab-policy-calico.ts) in a lab without encapsulation: pod traffic between nodes is routed
// as it is (BGP routes). Needs `npm run build`.
import { describeCalicoSemantics } from './lab-policy-calico';

describeCalicoSemantics('none');
