// Adapts the speaker's status and RIB to the status API's reply shapes (see status-service.ts).
import type { Speaker } from './speaker';
import type { RoutesReply, RoutesRequest, StatusHandlers, StatusReply } from './status-service';
import { formatCommunity } from './packet/attr-communities';
import { formatAsPath } from './packet/attr-as-path';
import { formatOrigin } from './packet/attr-origin';
import type { Clock } from '../lib/clock';

export function statusHandlers(speaker: Speaker, clock: Clock): StatusHandlers {
  return {
    getStatus(): StatusReply {
      const s = speaker.status();
      return {
        asn: s.asn,
        routerId: s.routerId,
        now: clock.now(),
        peers: s.peers.map((p) => ({
          name: p.name,
          address: p.address,
          asn: p.asn,
          state: p.state,
          since: p.since,
          info: p.info,
          prefixesReceived: p.prefixesReceived.ipv4 + p.prefixesReceived.ipv6,
          prefixesSent: p.prefixesSent.ipv4 + p.prefixesSent.ipv6,
        })),
      };
    },
    listRoutes(req: RoutesRequest): RoutesReply {
      return {
        routes: (req.best === true ? speaker.bestRoutes(req.family).filter((r) => req.peer === undefined || r.peer === req.peer) : speaker.receivedRoutes(req.peer, req.family)).map((r) => ({
          peer: r.peer,
          family: r.family,
          prefix: r.prefix,
          nextHop: r.attributes.nextHop,
          asPath: formatAsPath(r.attributes.asPath ?? []),
          origin: r.attributes.origin === undefined ? undefined : formatOrigin(r.attributes.origin),
          localPref: r.attributes.localPref,
          med: r.attributes.med,
          communities: (r.attributes.communities ?? []).map(formatCommunity),
          largeCommunities: (r.attributes.largeCommunities ?? []).map((c) => c.join(':')),
          originatorId: r.attributes.originatorId,
          clusterList: r.attributes.clusterList,
          best: r.best,
          decidedBy: r.decidedBy,
          stale: r.stale,
        })),
      };
    },
  };
}
