// The datastore's public surface for the layers below it (ipam, felix, node, controllers, cli, cmd); cmd/ chooses a
// backend (DATASTORE_TYPE) and hands the Datastore interface to everything else. The memory backend is a test helper
// and not part of this surface: tests import it from './memory/memory-datastore'.
export type { Datastore } from './datastore';
export * from './types';
export * from './errors';
export { KINDS, kindInfo, kindByPlural, type KindInfo, type CrdInfo } from './kinds';
export { labelsMatch, resourceMatches } from './label-selector';
export { casLoop, retry, retryOnConflict, updateWithRetry, defaultCasPolicy, jitterBackoff, CasExhaustedError, type CasOptions, type CasPolicy, type CasRetry } from './cas';
export { DatastoreCache, cacheKey, type CacheListener, type CacheUpdate } from './cache';
// The etcd backend is imported from './etcd/etcd-datastore' by whoever opens one (cmd/open-datastore.ts loads it
// only when DATASTORE_TYPE is etcdv3): its client (etcd3, grpc-js, protobufjs) would otherwise be loaded by every
// process, the BGP speaker included.
export { CALICO_V3_ROOT } from './etcd/etcd-keys';
export { casElection, decideLease, electionCapable, LEASE_ERR, LeaseError, type ElectionCapable, type Leadership, type LeaseDecision, type LeaseElection, type LeaseRecord, type LeaseRecordStore, type StoredLeaseRecord } from './lease';
export { DatastoreMonitor, probeDatastore, formatOutage, type DatastoreHealth, type DatastoreMonitorOptions } from './monitor';
