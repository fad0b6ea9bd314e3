// Test-only helpers for speaker tests over the in-memory network: advancing the fake clock while messages flow, and
// local routes from CIDR text.
import type { FakeClock } from '../../lib/fake-clock';
import { nullLogger, type Logger } from '../../lib/logger';
import { Speaker, type SpeakerConfig } from '../speaker';
import type { PeerConfig } from '../speaker';
import type { LocalRoute } from '../speaker-routing';
import { settle, type MemoryNetwork } from '../session/testing/memory-network';

/** A started speaker listening on `address`:179 of the in-memory network, its router ID the address. */
export async function memorySpeaker(
  net: MemoryNetwork,
  clock: FakeClock,
  address: string,
  asn: number,
  extra: Partial<SpeakerConfig> = {},
  logger: Logger = nullLogger,
): Promise<Speaker> {
  const speaker = new Speaker(
    { asn, routerId: address, listen: { address, port: 179 }, ...extra },
    { clock, transport: net.transport(address), listener: net.listener(), logger },
  );
  await speaker.start();
  return speaker;
}

/** Advances the fake clock in small steps, letting messages flow between steps. */
export async function run(clock: FakeClock, seconds: number): Promise<void> {
  for (let t = 0; t < seconds * 4; t++) {
    clock.advance(250);
    await settle(10);
  }
}

export const route = (prefix: string, extra: Partial<LocalRoute> = {}): LocalRoute => {
  const [address, len] = prefix.split('/') as [string, string];
  return { prefix: { family: address.includes(':') ? 'ipv6' : 'ipv4', address, length: Number(len) }, ...extra };
};

/** The configuration `local` uses for its session to `remote` (router ID = local address; IPv4 + IPv6, hold 9 s). */
export function peerConfig(local: { address: string; asn: number; routerId?: string }, remote: { address: string; asn: number }, extra: Partial<PeerConfig> = {}): PeerConfig {
  return {
    name: remote.address,
    address: remote.address,
    port: 179,
    asn: remote.asn,
    localAsn: local.asn,
    routerId: local.routerId ?? local.address,
    localAddress: local.address,
    passive: false,
    holdTime: 9,
    connectRetryTime: 5,
    families: ['ipv4', 'ipv6'],
    extendedMessage: true,
    ...extra,
  };
}
