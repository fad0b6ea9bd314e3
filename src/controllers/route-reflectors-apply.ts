// Automatic route reflectors, the apply half: writes an RrPlan (route-reflectors.ts) through the datastore, every write
// a compare-and-swap on a fresh copy (datastore/cas.ts), in an order that never leaves a node without a path to the
// others: when reflectors exist, the reflectors are configured and the BGPPeer written before the mesh goes off;
// when none can be, the mesh comes back on before the last reflector is turned back into a client.
// A failure is logged and left to the next pass (the plan is recomputed from what is then stored).
import type { BGPConfiguration } from '../api/kind-bgp-configuration';
import type { BGPPeer } from '../api/kind-bgp-peer';
import type { CalicoNode } from '../api/kind-node';
import { API_VERSION, DatastoreErrorCode, isDatastoreError, updateWithRetry, type Datastore } from '../datastore';
import { describeError, GinghamError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { isConfiguredReflector, RR_PEER_NAME, RR_PEER_SPEC, withReflectorRole, type RouteReflectorConfig, type RrPlan } from './route-reflectors';

/** A pass whose route-reflector steps failed (the pass is retried; readiness says why meanwhile). */
export class RouteReflectorError extends GinghamError {
  constructor(message: string) {
    super('ROUTE_REFLECTORS_FAILED', message);
  }
}

export interface RrApplyResult {
  /** Nodes whose role was written. */
  readonly changed: readonly string[];
  readonly peerWritten: boolean;
  readonly meshWritten: boolean;
  /** Steps that failed (retried next pass). */
  readonly failed: readonly string[];
}

const samePeer = (p: BGPPeer): boolean => p.spec?.nodeSelector === RR_PEER_SPEC.nodeSelector && p.spec?.peerSelector === RR_PEER_SPEC.peerSelector && Object.keys(p.spec ?? {}).length === 2;

async function ensurePeer(store: Datastore): Promise<boolean> {
  try {
    const cur = await store.get<BGPPeer>('BGPPeer', RR_PEER_NAME);
    if (samePeer(cur)) return false;
    await updateWithRetry<BGPPeer>(store, 'BGPPeer', RR_PEER_NAME, undefined, (c) => (samePeer(c) ? undefined : { ...c, spec: { ...RR_PEER_SPEC } }));
    return true;
  } catch (err) {
    if (!isDatastoreError(err, DatastoreErrorCode.NotFound)) throw err;
  }
  await store.create({ apiVersion: API_VERSION, kind: 'BGPPeer', metadata: { name: RR_PEER_NAME }, spec: { ...RR_PEER_SPEC } });
  return true;
}

/** Sets nodeToNodeMeshEnabled on BGPConfiguration `default` (created only to turn the mesh off; absent means on). */
async function ensureMesh(store: Datastore, enabled: boolean): Promise<boolean> {
  const meshOf = (c: BGPConfiguration): boolean => c.spec?.nodeToNodeMeshEnabled !== false;
  try {
    const cur = await store.get<BGPConfiguration>('BGPConfiguration', 'default');
    if (meshOf(cur) === enabled) return false;
    await updateWithRetry<BGPConfiguration>(store, 'BGPConfiguration', 'default', undefined, (c) => (meshOf(c) === enabled ? undefined : { ...c, spec: { ...(c.spec ?? {}), nodeToNodeMeshEnabled: enabled } }));
    return true;
  } catch (err) {
    if (!isDatastoreError(err, DatastoreErrorCode.NotFound)) throw err;
  }
  if (enabled) return false;
  await store.create({ apiVersion: API_VERSION, kind: 'BGPConfiguration', metadata: { name: 'default' }, spec: { nodeToNodeMeshEnabled: false } });
  return true;
}

export async function applyRouteReflectorPlan(plan: RrPlan, cfg: RouteReflectorConfig, deps: { readonly store: Datastore; readonly logger: Logger }): Promise<RrApplyResult> {
  const { store, logger: log } = deps;
  const changed: string[] = [];
  const failed: string[] = [];
  let peerWritten = false;
  let meshWritten = false;

  const step = async (what: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      failed.push(what);
      log.warn('route reflector step failed; retried next pass', { step: what, error: describeError(err) });
    }
  };
  const roles = async (reflector: boolean): Promise<void> => {
    for (const c of plan.changes.filter((x) => x.reflector === reflector)) {
      await step(`node ${c.name}`, async () => {
        try {
          await updateWithRetry<CalicoNode>(store, 'Node', c.name, undefined, (cur) => {
            const want = withReflectorRole(cur, c.reflector, cfg.clusterID);
            const already = c.reflector ? isConfiguredReflector(cur, cfg.clusterID) : JSON.stringify(want) === JSON.stringify(cur);
            return already ? undefined : want;
          });
          changed.push(c.name);
          log.info(c.reflector ? 'node is now a route reflector' : 'node is no longer a route reflector', { node: c.name, clusterID: cfg.clusterID });
        } catch (err) {
          if (!isDatastoreError(err, DatastoreErrorCode.NotFound)) throw err; // gone meanwhile: nothing to undo
        }
      });
    }
  };
  const mesh = async (): Promise<void> =>
    step('BGPConfiguration default', async () => {
      meshWritten = await ensureMesh(store, plan.meshEnabled);
      if (meshWritten) log.info(plan.meshEnabled ? 'no route reflector can serve: node-to-node mesh turned back on' : 'route reflectors serve: node-to-node mesh turned off', { reflectors: plan.reflectors.join(',') });
    });

  if (plan.meshEnabled) await mesh();
  await roles(true);
  if (!plan.meshEnabled) {
    await step(`BGPPeer ${RR_PEER_NAME}`, async () => {
      peerWritten = await ensurePeer(store);
    });
    // The mesh goes off only once every chosen reflector is configured and the peering exists.
    if (!failed.some((f) => f.startsWith('node ') || f.startsWith('BGPPeer'))) await mesh();
  }
  await roles(false);
  return { changed, peerWritten, meshWritten, failed };
}
