// Where the IPAM objects live in the datastore and how they are named (Calico's KDD names): IPAMBlock
// "10-244-0-0-26", BlockAffinity "<host>-10-244-0-0-26", IPAMHandle = the handle ID, IPAMConfiguration "default".
// Thin typed accessors only: the CAS loops and decisions are the allocator's.
import type { BlockAffinity, BlockAffinitySpec } from '../api/kind-block-affinity';
import { blockNameForCidr, type IPAMBlock, type IPAMBlockSpec } from '../api/kind-ipam-block';
import type { IPAMConfiguration } from '../api/kind-ipam-configuration';
import type { IPAMHandle } from '../api/kind-ipam-handle';
import type { IPPool } from '../api/kind-ippool';
import type { Datastore } from '../datastore/datastore';
import { DatastoreErrorCode, isDatastoreError } from '../datastore/errors';
import { API_VERSION } from '../datastore/types';
import { ipFamily, tryParseCidr } from '../lib/ip';

/** A stored resource whose spec is present (readers skip ones without: nothing Gingham writes lacks it). */
export type WithSpec<R extends { spec?: unknown }> = R & { spec: NonNullable<R['spec']> };
export type StoredBlock = WithSpec<IPAMBlock>;
export type StoredAffinity = WithSpec<BlockAffinity>;
export type StoredHandle = WithSpec<IPAMHandle>;
export type StoredPool = WithSpec<IPPool>;

export const KIND_BLOCK = 'IPAMBlock';
export const KIND_AFFINITY = 'BlockAffinity';
export const KIND_HANDLE = 'IPAMHandle';
export const KIND_CONFIG = 'IPAMConfiguration';
export const KIND_POOL = 'IPPool';
export const KIND_NODE = 'Node';
export const CONFIG_NAME = 'default';

export function affinityName(host: string, blockCidr: string): string {
  return `${host}-${blockNameForCidr(blockCidr)}`;
}

export function hostAffinity(host: string): string {
  return `host:${host}`;
}

export function blockResource(spec: IPAMBlockSpec): IPAMBlock {
  return { apiVersion: API_VERSION, kind: 'IPAMBlock', metadata: { name: blockNameForCidr(spec.cidr) }, spec };
}

export function affinityResource(host: string, cidr: string, state: BlockAffinitySpec['state']): BlockAffinity {
  return {
    apiVersion: API_VERSION,
    kind: 'BlockAffinity',
    metadata: { name: affinityName(host, cidr) },
    spec: { state, node: host, type: 'host', cidr, deleted: false },
  };
}

export function handleResource(handleId: string, block: Record<string, number>): IPAMHandle {
  return { apiVersion: API_VERSION, kind: 'IPAMHandle', metadata: { name: handleId }, spec: { handleID: handleId, block } };
}

/** get, or undefined when absent. */
export async function getOrUndefined<T extends { metadata: { name: string }; spec?: unknown }>(store: Datastore, kind: string, name: string): Promise<T | undefined> {
  try {
    const res = (await store.get(kind, name)) as unknown as T;
    return res.spec === undefined || res.spec === null ? undefined : res;
  } catch (err) {
    if (isDatastoreError(err, DatastoreErrorCode.NotFound)) return undefined;
    throw err;
  }
}

/** Live blocks (soft-deleted ones hidden), optionally of one family. */
export async function listBlocks(store: Datastore, family?: 4 | 6): Promise<StoredBlock[]> {
  const { items } = await store.list<IPAMBlock>(KIND_BLOCK);
  return items.filter((b): b is StoredBlock => b.spec !== undefined && !b.spec.deleted && (family === undefined || tryParseCidr(b.spec.cidr)?.family === family));
}

/** The host's affinities (every state), optionally of one family. */
export async function listHostAffinities(store: Datastore, host: string, family?: 4 | 6): Promise<StoredAffinity[]> {
  const { items } = await store.list<BlockAffinity>(KIND_AFFINITY, { prefix: `${host}-` });
  return items.filter(
    (a): a is StoredAffinity => a.spec !== undefined && a.spec.node === host && !a.spec.deleted && (family === undefined || tryParseCidr(a.spec.cidr)?.family === family),
  );
}

export async function listPools(store: Datastore): Promise<StoredPool[]> {
  const { items } = await store.list<IPPool>(KIND_POOL);
  return items.filter((p): p is StoredPool => p.spec !== undefined && tryParseCidr(p.spec.cidr) !== undefined);
}

export async function getConfigResource(store: Datastore): Promise<WithSpec<IPAMConfiguration> | undefined> {
  return getOrUndefined<WithSpec<IPAMConfiguration>>(store, KIND_CONFIG, CONFIG_NAME);
}

/** Family of a bare address or CIDR text. */
export function familyOfText(text: string): 4 | 6 | undefined {
  return ipFamily(text.split('/')[0] ?? '');
}
