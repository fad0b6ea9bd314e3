// Route Refresh capability (RFC 2918 §3): code 2, and the pre-standard code 128 that Cisco and others still send.
// Neither carries a value. A peer that sent either may be sent a ROUTE-REFRESH.
import { CapabilityCode } from './constants';
import { emptyValueCodec } from './cap-codec';

export const routeRefreshCodec = emptyValueCodec('route-refresh', CapabilityCode.RouteRefresh, 'route refresh');
export const routeRefreshCiscoCodec = emptyValueCodec('route-refresh-cisco', CapabilityCode.RouteRefreshCisco, 'route refresh (Cisco)');
