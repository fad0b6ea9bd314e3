// The resource kinds the node agent's calculation reads: whoever assembles the node process (node/run.ts) watches at
// least these through its one DatastoreCache (datastore/cache.ts).
export const NODE_CALC_KINDS = ['Node', 'BGPPeer', 'BGPConfiguration', 'BGPFilter', 'IPPool', 'IPAMBlock', 'WorkloadEndpoint'] as const;
