// Keeps the CNI plugin's kubeconfig token valid. `gingham cni install` writes gingham-kubeconfig with a 24 h token of
// the plugin's own ServiceAccount (cni-kubeconfig.ts); without renewal every CNI call fails once it expires. The node
// agent renews it for as long as it runs, as calico-node renews calico-cni-plugin's token (Calico
// node/pkg/cni/token_watch.go): a new token well before the old one expires, the file replaced atomically, and a
// failed request retried with a growing delay while the old token is still good. The schedule is a pure function.
import type { Clock, TimerHandle } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { describeError } from '../lib/errors';
import { CNI_TOKEN_SECONDS, cniKubeconfig, type CniKubeconfigInput } from './cni-kubeconfig';

/** Renew once this fraction of the token's lifetime has passed (24 h token: after 16 h, 8 h of margin). */
export const RENEW_AFTER_FRACTION = 2 / 3;
/** First retry delay after a failed request; doubled per failure up to RETRY_MAX_MS. */
export const RETRY_MIN_MS = 5_000;
export const RETRY_MAX_MS = 5 * 60_000;

/** Milliseconds until the next request: a renewal after a success, a backed-off retry after `failures` failures. */
export function nextTokenRequestDelay(validitySeconds: number, failures: number): number {
  if (failures === 0) return Math.floor(validitySeconds * 1000 * RENEW_AFTER_FRACTION);
  return Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(failures - 1, 16));
}

export interface CniTokenRefreshDeps {
  readonly clock: Clock;
  readonly log: Logger;
  /** A TokenRequest for the ServiceAccount; undefined when not running in a pod. */
  readonly requestToken: (serviceAccount: string, expirationSeconds: number) => Promise<CniKubeconfigInput | undefined>;
  /** Replaces the kubeconfig file atomically (mode 0600). */
  readonly writeKubeconfig: (text: string) => void;
}

export interface CniTokenRefresher {
  stop(): void;
}

/**
 * Starts renewing. The first request is made at once (the agent may start long after the init container wrote the
 * file), then on the schedule of nextTokenRequestDelay.
 */
export function startCniTokenRefresh(serviceAccount: string, deps: CniTokenRefreshDeps, validitySeconds = CNI_TOKEN_SECONDS): CniTokenRefresher {
  let failures = 0;
  let timer: TimerHandle | undefined;
  let stopped = false;
  const schedule = (): void => {
    if (stopped) return;
    timer = deps.clock.setTimeout(() => void run(), nextTokenRequestDelay(validitySeconds, failures));
  };
  const run = async (): Promise<void> => {
    try {
      const got = await deps.requestToken(serviceAccount, validitySeconds);
      if (got === undefined) {
        deps.log.info('CNI token: not running in a pod (no in-cluster API endpoint); the CNI kubeconfig is left as it is');
        return;
      }
      deps.writeKubeconfig(cniKubeconfig(got));
      if (failures > 0) deps.log.info(`CNI token: renewed after ${failures} failed request(s)`);
      failures = 0;
    } catch (err) {
      failures++;
      deps.log.warn(`CNI token: renewal for ServiceAccount ${serviceAccount} failed (${failures} in a row; the current token stays until it expires): ${describeError(err)}`);
    }
    schedule();
  };
  void run();
  return {
    stop() {
      stopped = true;
      timer?.cancel();
    },
  };
}
