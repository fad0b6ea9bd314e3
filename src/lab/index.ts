// The local lab (`gingham lab`): namespaces, etcd, node agents and CNI pods on one machine.
export { labTopology, validateLabOptions, LabOptionError, type LabEncap, type LabOptions } from './lab-topology';
export { labUp, labGingham, IPIP_MISSING } from './lab-up';
export { labRestartNode, labStart, labStop, nodeStatus, LabUpError, type LabSelf } from './lab-daemons';
export { labDown } from './lab-down';
export { labStatus, execTarget, labState, LabTargetError, type LabStatus } from './lab-status';
export { DEFAULT_LAB_DIR, DEFAULT_LAB_PREFIX, LabNotUpError, labPaths } from './lab-state';
export { realLabSys, LabCommandError, type LabSys } from './lab-sys';
export { LabLockError } from './lab-lock';
export { applyCalico, applyObjects, changeCluster, deleteObjects, reconcileCluster, relabel, runPod, splitManifests, podNetns, type LabClusterDeps } from './lab-cluster';
export { decodeLabObject, keyOf, LabObjectError, SERVICE_CIDR, type LabCluster } from './lab-k8s';
export { labProbe, type ProbeReport } from './lab-probe';
