// The resource kinds the node agent's calculation reads: whoever assembles the node process (node/run.ts) watches at
// least these through its one DatastoreCache (datastore/cache.ts).

/** The kinds the policy dataplane is fed (node/policy-feed.ts); WorkloadEndpoint feeds both it and the routes. */
export const POLICY_KINDS = ['Tier', 'NetworkPolicy', 'GlobalNetworkPolicy', 'Profile', 'NetworkSet', 'GlobalNetworkSet', 'WorkloadEndpoint'] as const;

export const NODE_CALC_KINDS = ['Node', 'BGPPeer', 'BGPConfiguration', 'BGPFilter', 'IPPool', 'IPAMBlock', ...POLICY_KINDS] as const;
