// One face for BIRD, FRR and GoBGP in the interop tests, over the launchers in e2e/lib, so each scenario is written once
// and run against all three.
import { BirdDaemon } from '../lib/bird';
import { FrrDaemon } from '../lib/frr';
import { GobgpDaemon } from '../lib/gobgp';
import type { DaemonFamily, DaemonOptions, OriginateSpec, RouteView, SessionState } from '../lib/daemon-types';

export type DaemonKind = 'bird' | 'frr' | 'gobgp';

export interface PeerDaemon {
  readonly kind: DaemonKind;
  readonly pid: number;
  /** Session state towards the neighbour at `address`. */
  state(address: string): Promise<SessionState>;
  /** The daemon's own words for the last error with that neighbour ('' when it keeps none). */
  lastError(address: string): Promise<string>;
  routes(family: DaemonFamily): Promise<RouteView[]>;
  addRoute(r: OriginateSpec): Promise<void>;
  removeRoute(prefix: string): Promise<void>;
  stop(): Promise<void>;
}

/** BIRD protocol names come from the neighbour address. */
export function birdName(address: string): string {
  return `n_${address.replace(/[^0-9a-f]/gi, '_')}`;
}

export const DAEMON_COMMANDS: Record<DaemonKind, string[]> = {
  bird: ['bird', 'birdc'],
  frr: ['/usr/lib/frr/bgpd', 'vtysh'],
  gobgp: ['gobgpd', 'gobgp'],
};

export async function startDaemon(kind: DaemonKind, opts: DaemonOptions, apiPort?: number): Promise<PeerDaemon> {
  switch (kind) {
    case 'bird': {
      const withNames: DaemonOptions = { ...opts, neighbors: opts.neighbors.map((n) => ({ ...n, name: birdName(n.address) })) };
      const d = await BirdDaemon.start(withNames);
      return {
        kind,
        pid: d.pid,
        state: async (a) => (await d.protocolState(birdName(a))).bgpState,
        lastError: async (a) => {
          const s = await d.protocolState(birdName(a));
          return `${s.lastError ?? ''} ${s.info}`;
        },
        routes: (family) => d.routes({ table: family }),
        addRoute: (r) => d.addRoute(r),
        removeRoute: (p) => d.removeRoute(p),
        stop: () => d.stop(),
      };
    }
    case 'frr': {
      const d = await FrrDaemon.start(opts);
      return {
        kind,
        pid: d.pid,
        state: async (a) => (await d.neighborState(a)).state,
        lastError: async (a) => {
          const s = await d.neighborState(a);
          return `${s.lastResetReason ?? ''} ${s.lastNotification ?? ''}`;
        },
        routes: (family) => d.routes(family),
        addRoute: (r) => d.addRoute(r),
        removeRoute: (p) => d.removeRoute(p),
        stop: () => d.stop(),
      };
    }
    case 'gobgp': {
      const d = await GobgpDaemon.start(opts, apiPort);
      return {
        kind,
        pid: d.pid,
        state: async (a) => (await d.neighborState(a)).state,
        lastError: async () => '',
        routes: (family) => d.routes(family),
        addRoute: (r) => d.addRoute(r),
        removeRoute: (p) => d.removeRoute(p),
        stop: () => d.stop(),
      };
    }
  }
}
