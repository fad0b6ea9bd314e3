// The datastore's public surface for the layers below it (ipam, felix, node, controllers, cli, cmd). Backends are
// exported by name; cmd/ chooses one (DATASTORE_TYPE) and hands the Datastore interface to everything else.
export type { Datastore } from './datastore';
export * from './types';
export * from './errors';
export { KINDS, kindInfo, kindByPlural, type KindInfo, type CrdInfo } from './kinds';
export { labelsMatch, resourceMatches } from './label-selector';
export { updateWithRetry, type CasOptions } from './cas';
export { MemoryDatastore, type MemoryDatastoreOptions } from './memory/memory-datastore';
export { EtcdDatastore, type EtcdDatastoreOptions } from './etcd/etcd-datastore';
export { CALICO_V3_ROOT } from './etcd/etcd-keys';
export { DEFAULT_RETRY, type RetryPolicy } from './etcd/etcd-retry';
