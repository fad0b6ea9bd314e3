// What the CLI needs from the outside world. Only src/cmd/ builds the real ones; tests pass their own.
import type { Clock } from '../lib/clock';
import type { Logger, LoggerOptions } from '../lib/logger';
import type { Transport } from '../bgp/session/transport';
import type { Listener } from '../bgp/speaker';

export interface CliDeps {
  readonly clock: Clock;
  readonly transport: Transport;
  readonly listener: Listener;
  readonly logger: (opts: LoggerOptions) => Logger;
  readonly stdout: (text: string) => void;
  /** Resolves when one of the signals arrives. */
  readonly waitForSignal: (signals: readonly NodeJS.Signals[]) => Promise<NodeJS.Signals>;
}
